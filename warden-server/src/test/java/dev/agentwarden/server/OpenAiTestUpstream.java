package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small OpenAI-compatible upstream on 127.0.0.1 for tests. It answers by the last user
 * message: {@code stream_secret} streams an answer with a credential split across chunks,
 * {@code echo_key} repeats the Authorization header it got, {@code upstream_401} fails as a
 * provider with a bad key does, anything else gets a short answer (or a tool call when tools
 * are offered). Every request is recorded with its headers.
 */
final class OpenAiTestUpstream implements AutoCloseable {
  /** A credential the scanner recognises, planted in streamed answers. */
  static final String PLANTED_SECRET = "ghp_" + "R7aK2mQ9xT4vB8nL1pZ6cW3yH5jD0sF2gE9u";

  record Seen(String method, String path, Map<String, List<String>> headers, JsonNode body) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream()).findFirst().orElse(null);
    }
  }

  final List<Seen> requests = new CopyOnWriteArrayList<>();
  /** Chunks {@code stream_slow} wrote before its connection broke (or all of them); counted down at its end. */
  final AtomicInteger slowChunksWritten = new AtomicInteger();
  final CountDownLatch slowStreamEnded = new CountDownLatch(1);
  static final int SLOW_CHUNKS = 200;
  private final HttpServer server;

  OpenAiTestUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] raw = ex.getRequestBody().readAllBytes();
      JsonNode body = raw.length == 0 ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(raw);
      Seen seen = new Seen(ex.getRequestMethod(), ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()), body);
      requests.add(seen);
      if (seen.path().equals("/v1/models")) {
        json(ex, 200, "{\"object\":\"list\",\"data\":[{\"id\":\"test-model\",\"object\":\"model\",\"created\":1,\"owned_by\":\"t\"},"
            + "{\"id\":\"other-model\",\"object\":\"model\",\"created\":1,\"owned_by\":\"t\"}]}");
        return;
      }
      String last = "";
      for (JsonNode m : body.path("messages")) {
        if (m.path("role").asText().equals("user")) {
          last = m.path("content").asText();
        }
      }
      boolean stream = body.path("stream").asBoolean(false);
      switch (last) {
        case "upstream_401" -> json(ex, 401, "{\"error\":{\"message\":\"Incorrect API key provided: "
            + seen.header("Authorization").substring(7) + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
        case "echo_key" -> json(ex, 200, completion("your key is " + seen.header("Authorization").substring(7)));
        case "stream_secret" -> sse(ex, List.of("Here is the ", "token: " + PLANTED_SECRET.substring(0, 9),
            PLANTED_SECRET.substring(9, 25), PLANTED_SECRET.substring(25), " keep it safe."), body);
        case "stream_tools" -> sseTools(ex, body);
        case "stream" -> sse(ex, List.of("Hel", "lo ", "from ", "the ", "stream."), body);
        case "stream_slow" -> {
          // A long answer, one chunk every 50 ms: a client hanging up must make the gateway close this connection.
          ex.getResponseHeaders().set("Content-Type", "text/event-stream");
          ex.sendResponseHeaders(200, 0);
          try {
            for (int i = 0; i < SLOW_CHUNKS; i++) {
              event(ex.getResponseBody(), chunk("{\"content\":\"tick \"}", "null"));
              slowChunksWritten.incrementAndGet();
              Thread.sleep(50);
            }
            event(ex.getResponseBody(), "[DONE]");
          } catch (IOException | InterruptedException e) {
            // the gateway closed the connection
          } finally {
            slowStreamEnded.countDown();
          }
        }
        case "stream_stall" -> {
          // Starts answering, then goes silent for longer than the gateway's read timeout in the test.
          ex.getResponseHeaders().set("Content-Type", "text/event-stream");
          ex.sendResponseHeaders(200, 0);
          event(ex.getResponseBody(), chunk("{\"role\":\"assistant\",\"content\":\"Before the stall. \"}", "null"));
          try {
            Thread.sleep(4_000);
            event(ex.getResponseBody(), chunk("{\"content\":\"after\"}", "\"stop\""));
            event(ex.getResponseBody(), "[DONE]");
          } catch (IOException | InterruptedException e) {
            // the gateway gave up on this connection
          }
        }
        case "stream_cut" -> {
          // The upstream breaks off mid-answer: no finish, no [DONE].
          ex.getResponseHeaders().set("Content-Type", "text/event-stream");
          ex.sendResponseHeaders(200, 0);
          event(ex.getResponseBody(), chunk("{\"role\":\"assistant\",\"content\":\"Partial ans\"}", "null"));
        }
        default -> {
          if (body.has("tools")) {
            json(ex, 200, "{\"id\":\"chatcmpl-t\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"test-model\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":7,\"total_tokens\":27}}");
          } else if (body.path("response_format").path("type").asText().equals("json_object")) {
            json(ex, 200, completion("{\\\"answer\\\": 42}"));
          } else {
            json(ex, 200, completion("Hello! How can I help?"));
          }
        }
      }
    }
  }

  private static String completion(String content) {
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"test-model\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":6,\"total_tokens\":18}}";
  }

  private static void json(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  private static void sse(HttpExchange ex, List<String> parts, JsonNode request) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    event(out, chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null"));
    for (String p : parts) {
      event(out, chunk("{\"content\":" + Json.MAPPER.writeValueAsString(p) + "}", "null"));
    }
    event(out, chunk("{}", "\"stop\""));
    if (request.path("stream_options").path("include_usage").asBoolean(false)) {
      event(out, "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"test-model\",\"choices\":[],"
          + "\"usage\":{\"prompt_tokens\":15,\"completion_tokens\":" + parts.size() + ",\"total_tokens\":" + (15 + parts.size()) + "}}");
    }
    event(out, "[DONE]");
  }

  private static void sseTools(HttpExchange ex, JsonNode request) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    event(out, chunk("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_9\",\"type\":\"function\","
        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", "null"));
    for (String p : List.of("{\"ci", "ty\":\"Pa", "ris\"}")) {
      event(out, chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":" + Json.MAPPER.writeValueAsString(p) + "}}]}", "null"));
    }
    event(out, chunk("{}", "\"tool_calls\""));
    event(out, "[DONE]");
  }

  private static String chunk(String delta, String finish) {
    return "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"test-model\","
        + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}";
  }

  private static void event(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
