package dev.agentwarden.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.agentwarden.core.scan.ContentScanner;
import dev.agentwarden.core.scan.ContentSource;
import dev.agentwarden.core.scan.ScanKind;
import dev.agentwarden.core.scan.injection.Action;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * What of an upstream's {@code notifications/message} may reach an agent. Log data is the
 * upstream's own output, so it is untrusted like a tool result: only messages at or above the
 * level the agent's session asked for pass; every string is secret-redacted (the upstream's
 * credential never reaches the gateway at all, see {@link ScrubbingEgress}), and strings the
 * gateway knows to be the upstream's private state (its session id) are masked; data that reads
 * as a prompt injection by the agent's settings for tool output is withheld; oversized data is
 * cut. The logger names the server ({@code server} or {@code server/logger}), so an agent
 * attached to several servers can tell them apart and no upstream can pose as another.
 */
final class LogRelay {
  static final String METHOD = "notifications/message";
  static final int MAX_DATA_CHARS = 8 * 1024;
  static final String WITHHELD = "[withheld by AgentWarden: this log message reads as a prompt injection]";

  private LogRelay() {}

  /**
   * The notification to send the agent, or empty when the message is below {@code threshold}
   * or not a well-formed log message.
   */
  static Optional<ObjectNode> relayable(JsonNode notification, String server, LogLevel threshold, ContentScanner scanner,
      ContentScanner judged, List<String> masked) {
    JsonNode p = notification.path("params");
    Optional<LogLevel> level = LogLevel.parse(p.path("level").asText(""));
    if (!METHOD.equals(notification.path("method").asText()) || level.isEmpty() || level.get().compareTo(threshold) < 0
        || !p.has("data")) {
      return Optional.empty();
    }
    ObjectNode params = JsonNodeFactory.instance.objectNode().put("level", level.get().wire());
    params.put("logger", p.path("logger").isTextual()
        ? server + "/" + clean(p.path("logger").textValue(), scanner, masked) : server);
    JsonNode data = cleanTree(p.get("data"), scanner, masked);
    String text = data.isTextual() ? data.textValue() : data.toString();
    if (text.length() > MAX_DATA_CHARS) {
      text = text.substring(0, MAX_DATA_CHARS) + " [truncated by AgentWarden]";
      data = TextNode.valueOf(text);
    }
    Action action = judged.scan(text, EnumSet.of(ScanKind.INJECTION), ContentSource.TOOL_OUTPUT).verdict()
        .map(v -> v.action()).orElse(Action.ALLOW);
    if (action.compareTo(Action.ANNOTATE) > 0) {
      data = TextNode.valueOf(WITHHELD);
    }
    params.set("data", data);
    if (action.compareTo(Action.ALLOW) > 0) {
      params.putObject("_meta").put("io.agentwarden/injection", action.label());
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode().put("jsonrpc", "2.0").put("method", METHOD);
    out.set("params", params);
    return Optional.of(out);
  }

  private static String clean(String text, ContentScanner scanner, List<String> masked) {
    String out = text;
    for (String m : masked) {
      if (!m.isEmpty()) {
        out = out.replace(m, "[upstream session]");
      }
    }
    return scanner.redactSecrets(out);
  }

  private static JsonNode cleanTree(JsonNode node, ContentScanner scanner, List<String> masked) {
    if (node.isTextual()) {
      return TextNode.valueOf(clean(node.textValue(), scanner, masked));
    }
    if (node.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      node.properties().forEach(e -> out.set(clean(e.getKey(), scanner, masked), cleanTree(e.getValue(), scanner, masked)));
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> out.add(cleanTree(n, scanner, masked)));
      return out;
    }
    return node;
  }
}
