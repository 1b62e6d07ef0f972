package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Structured JSON log lines, one per request plus operational events. Every line passes
 * {@link LogRedaction}; headers and bodies are never logged at all.
 */
public final class RequestLog {
  /** The per-request line: every field is gateway-made, so it takes the cheap redaction. */
  static final String REQUEST = "request";

  private final Consumer<String> sink;
  private final Clock clock;

  private RequestLog(Consumer<String> sink, Clock clock) {
    this.sink = sink;
    this.clock = clock;
  }

  public static RequestLog to(PrintStream out) {
    return new RequestLog(line -> {
      synchronized (out) {
        out.println(line);
      }
    }, Clock.systemUTC());
  }

  public static RequestLog to(Consumer<String> sink, Clock clock) {
    return new RequestLog(sink, clock);
  }

  /** Writes one line with the given fields, in order, after {@code ts}, {@code level}, {@code msg}. */
  public void event(String level, String msg, Map<String, ?> fields) {
    ObjectNode line = Json.MAPPER.createObjectNode();
    line.put("ts", clock.instant().toString());
    line.put("level", level);
    line.put("msg", msg);
    fields.forEach((k, v) -> {
      switch (v) {
        case null -> { }
        case Number n when n instanceof Integer || n instanceof Long -> line.put(k, n.longValue());
        case Number n -> line.put(k, n.doubleValue());
        case Boolean b -> line.put(k, b);
        default -> line.put(k, v.toString());
      }
    });
    sink.accept(msg.equals(REQUEST) ? LogRedaction.redactPatterns(line.toString()) : LogRedaction.redact(line.toString()));
  }
}
