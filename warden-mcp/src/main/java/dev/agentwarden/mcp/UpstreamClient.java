package dev.agentwarden.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.egress.EgressException;
import dev.agentwarden.egress.EgressRequest;
import dev.agentwarden.egress.EgressStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An MCP client for one upstream server over Streamable HTTP (protocol revision 2025-06-18),
 * speaking through the egress client: the tenant's network policy decides every request, the
 * address is resolved once and checked, the upstream's credential is injected by the egress
 * credential hook for the checked destination only, and {@link ScrubbingEgress} removes it from
 * whatever the upstream sends back.
 *
 * <p>One instance is one upstream session: {@link #connect} initialises it, requests carry its
 * {@code Mcp-Session-Id}, and {@link #close} ends it. The gateway opens a session per operation
 * so that it keeps no upstream state between requests (any gateway process can serve any call).
 * A response may come as JSON or as a server-sent event stream; in a stream, notifications and
 * requests from the server before the response are skipped.
 */
final class UpstreamClient implements AutoCloseable {
  static final String PROTOCOL_VERSION = "2025-06-18";
  static final String TOOLS_LIST_CHANGED = "notifications/tools/list_changed";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_PAGES = 50;

  private final ScrubbingEgress egress;
  private final String url;
  private Optional<String> sessionId = Optional.empty();
  private String protocolVersion = PROTOCOL_VERSION;
  private String instructions = "";
  private boolean announcesListChanges;
  private JsonNode capabilities = JSON.createObjectNode();
  private boolean sawToolListChanged;
  /** Whether {@link #close} ends the upstream session (false for a {@link #sameSession} view of it). */
  private boolean ownsSession = true;
  // Several threads may send on one session (a long-lived one's requests and its stream's answers).
  private final java.util.concurrent.atomic.AtomicLong nextId = new java.util.concurrent.atomic.AtomicLong(1);

  private UpstreamClient(ScrubbingEgress egress, String url) {
    this.egress = egress;
    this.url = url;
  }

  /** Opens and initialises a session with the upstream at {@code url}. */
  static UpstreamClient connect(ScrubbingEgress egress, String url) {
    UpstreamClient c = new UpstreamClient(egress, url);
    ObjectNode params = JSON.createObjectNode();
    params.put("protocolVersion", PROTOCOL_VERSION);
    params.putObject("capabilities");
    params.putObject("clientInfo").put("name", "agentwarden").put("version", "0.1.0");
    JsonNode result = c.request("initialize", params);
    if (result.path("protocolVersion").isTextual()) {
      c.protocolVersion = result.path("protocolVersion").textValue();
    }
    c.instructions = result.path("instructions").isTextual() ? result.path("instructions").textValue() : "";
    JsonNode caps = result.path("capabilities");
    c.capabilities = caps.isObject() ? caps : JSON.createObjectNode();
    c.announcesListChanges = caps.path("tools").path("listChanged").asBoolean(false)
        || caps.path("resources").path("listChanged").asBoolean(false)
        || caps.path("prompts").path("listChanged").asBoolean(false);
    c.notify("notifications/initialized");
    return c;
  }

  /** The server's instructions from initialisation (part of every tool's pinned identity). */
  String instructions() {
    return instructions;
  }

  /** Whether the upstream declared the server capability {@code name} ({@code prompts}, {@code resources}, ...). */
  boolean offers(String name) {
    return capabilities.path(name).isObject();
  }

  /**
   * Another client on this same upstream session that sends through {@code other} (e.g. with a
   * shorter deadline than the session's long-lived event stream); closing it leaves the session
   * open.
   */
  UpstreamClient sameSession(ScrubbingEgress other) {
    UpstreamClient c = new UpstreamClient(other, url);
    c.sessionId = sessionId;
    c.protocolVersion = protocolVersion;
    c.instructions = instructions;
    c.capabilities = capabilities;
    c.announcesListChanges = announcesListChanges;
    c.ownsSession = false;
    return c;
  }

  /** Whether the upstream declared {@code feature} of the server capability {@code name} ({@code resources}, {@code subscribe}). */
  boolean offers(String name, String feature) {
    return capabilities.path(name).path(feature).asBoolean(false);
  }

  /**
   * The upstream's id of this session, if it gave one: it appears in what some upstreams log, and
   * is not the agent's business.
   */
  Optional<String> sessionId() {
    return sessionId;
  }

  /** Whether the upstream declared that it announces changes of its tool, resource or prompt lists. */
  boolean announcesListChanges() {
    return announcesListChanges;
  }

  /**
   * Answers a request the upstream sent on its stream: {@code ping} with an empty result, any
   * other (sampling, elicitation, roots: the gateway offers none of them) with "method not found",
   * so the upstream does not wait for an answer that never comes.
   */
  void answer(JsonNode request) {
    ObjectNode msg = JSON.createObjectNode().put("jsonrpc", "2.0");
    msg.set("id", request.get("id"));
    if (request.path("method").asText().equals("ping")) {
      msg.putObject("result");
    } else {
      msg.putObject("error").put("code", -32601).put("message", "Method not found");
    }
    post(msg, "a response");
  }

  /**
   * Whether a response stream of this session carried {@code notifications/tools/list_changed}
   * (servers may send it on the stream of any request, not only on the GET stream).
   */
  boolean sawToolListChanged() {
    return sawToolListChanged;
  }

  /**
   * Opens the session's server-to-client stream (GET) and hands every JSON-RPC message on it to
   * {@code onMessage} until the stream ends, the deadline of the egress client passes, or the
   * thread is interrupted. Returns false when the upstream offers no such stream (405).
   */
  boolean listen(java.util.function.Consumer<JsonNode> onMessage) {
    return listen(() -> { }, onMessage);
  }

  /** As {@link #listen(java.util.function.Consumer)}; {@code opened} runs once the stream is open, before its first message. */
  boolean listen(Runnable opened, java.util.function.Consumer<JsonNode> onMessage) {
    EgressRequest get = base("GET", new byte[0]).withHeader("Accept", "text/event-stream");
    try (EgressStream s = egress.open(get)) {
      if (s.status() == 405) {
        return false;
      }
      if (s.status() >= 300) {
        throw new McpException("upstream_error", "the upstream answered the event stream request with HTTP " + s.status());
      }
      if (!s.header("content-type").orElse("").toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
        throw new McpException("upstream_protocol_error", "the upstream's GET answer is not an event stream");
      }
      opened.run();
      EventReader events = new EventReader(s);
      for (String data; (data = events.next()) != null; ) {
        JsonNode msg = readMessage(data);
        if (msg != null && msg.isObject()) {
          onMessage.accept(msg);
        }
      }
      return true;
    } catch (IOException e) {
      throw new McpException("upstream_unreachable", "the upstream's event stream failed");
    } catch (EgressException e) {
      throw translate(e);
    }
  }

  /** Every tool the upstream lists, following pagination. */
  List<JsonNode> listTools() {
    return listAll("tools/list", "tools");
  }

  /** Every item of a paginated list ({@code tools/list} → {@code tools}, {@code prompts/list} → {@code prompts}, ...). */
  List<JsonNode> listAll(String method, String member) {
    List<JsonNode> items = new ArrayList<>();
    Optional<String> cursor = Optional.empty();
    for (int page = 0; page < MAX_PAGES; page++) {
      ObjectNode params = JSON.createObjectNode();
      cursor.ifPresent(c -> params.put("cursor", c));
      JsonNode result = request(method, params);
      JsonNode list = result.path(member);
      if (!list.isArray()) {
        throw new McpException("upstream_protocol_error", "the upstream's " + method + " result has no " + member + " array");
      }
      list.forEach(items::add);
      JsonNode next = result.path("nextCursor");
      if (!next.isTextual() || next.textValue().isEmpty()) {
        return items;
      }
      cursor = Optional.of(next.textValue());
    }
    throw new McpException("upstream_protocol_error", "the upstream's " + method + " has more than " + MAX_PAGES + " pages");
  }

  /** One request of any method; the upstream's result, or {@link UpstreamRpcError}. */
  JsonNode rpc(String method, JsonNode params) {
    return request(method, params);
  }

  /** As {@link #rpc(String, JsonNode)}; notifications the upstream sends on the response stream go to {@code notifications}. */
  JsonNode rpc(String method, JsonNode params, java.util.function.Consumer<JsonNode> notifications) {
    return request(method, params, notifications);
  }

  /** Calls a tool; returns the upstream's CallToolResult (which may itself say isError). */
  JsonNode callTool(String name, JsonNode arguments) {
    return callTool(name, arguments, Optional.empty(), n -> { });
  }

  /**
   * Calls a tool asking for progress under {@code progressToken} (when present); every
   * notification the upstream sends on the response stream before the result goes to {@code
   * notifications}.
   */
  JsonNode callTool(String name, JsonNode arguments, Optional<String> progressToken,
      java.util.function.Consumer<JsonNode> notifications) {
    ObjectNode params = JSON.createObjectNode();
    params.put("name", name);
    params.set("arguments", arguments);
    progressToken.ifPresent(t -> params.putObject("_meta").put("progressToken", t));
    return request("tools/call", params, notifications);
  }

  @Override
  public void close() {
    if (sessionId.isEmpty() || !ownsSession) {
      return;
    }
    try {
      EgressRequest del = base("DELETE", new byte[0]);
      try (EgressStream s = egress.open(del)) {
        s.body().readNBytes(1024);
      }
    } catch (RuntimeException | IOException e) {
      // Ending the session is a courtesy; the upstream expires it anyway.
    }
  }

  private void notify(String method) {
    post(JSON.createObjectNode().put("jsonrpc", "2.0").put("method", method), method);
  }

  /** POSTs a message that expects no response (a notification, or our response to the upstream's request). */
  private void post(ObjectNode msg, String what) {
    try (EgressStream s = egress.open(base("POST", bytes(msg)))) {
      if (s.status() >= 300) {
        throw new McpException("upstream_error", "the upstream refused " + what + " with HTTP " + s.status());
      }
      s.body().readNBytes(64 * 1024);
    } catch (IOException e) {
      throw new McpException("upstream_unreachable", "the upstream connection failed");
    } catch (EgressException e) {
      throw translate(e);
    }
  }

  private JsonNode request(String method, JsonNode params) {
    return request(method, params, n -> { });
  }

  private JsonNode request(String method, JsonNode params, java.util.function.Consumer<JsonNode> notifications) {
    long id = nextId.getAndIncrement();
    ObjectNode msg = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
    msg.set("params", params);
    try (EgressStream s = egress.open(base("POST", bytes(msg)))) {
      if (s.status() == 404 && sessionId.isPresent()) {
        throw new McpException("upstream_session_expired", "the upstream ended the session");
      }
      if (s.status() >= 300) {
        throw new McpException("upstream_error", "the upstream answered " + method + " with HTTP " + s.status());
      }
      if (method.equals("initialize")) {
        sessionId = s.header("mcp-session-id").filter(v -> v.matches("[\\x21-\\x7e]{1,200}"));
      }
      String type = s.header("content-type").orElse("").toLowerCase(Locale.ROOT);
      JsonNode response = type.startsWith("text/event-stream") ? fromEvents(s, id, notifications) : JSON.readTree(s.body());
      return resultOf(response, id, method);
    } catch (IOException e) {
      throw new McpException("upstream_unreachable", "the upstream connection failed or sent unreadable JSON");
    } catch (EgressException e) {
      throw translate(e);
    }
  }

  private JsonNode fromEvents(EgressStream s, long id, java.util.function.Consumer<JsonNode> notifications)
      throws IOException {
    EventReader events = new EventReader(s);
    for (String data; (data = events.next()) != null; ) {
      JsonNode msg = JSON.readTree(data);
      if (msg != null && msg.has("id") && msg.get("id").asLong(-1) == id && !msg.has("method")) {
        return msg;
      }
      if (msg != null && TOOLS_LIST_CHANGED.equals(msg.path("method").asText())) {
        sawToolListChanged = true;
      } else if (msg != null && msg.path("method").isTextual() && !msg.has("id")) {
        notifications.accept(msg);
      }
    }
    throw new McpException("upstream_protocol_error", "the upstream's event stream ended without a response");
  }

  /** The data of each event of a server-sent event stream, in order (the one SSE parser of this client). */
  private static final class EventReader {
    private final BufferedReader in;
    private final StringBuilder data = new StringBuilder();

    EventReader(EgressStream s) {
      this.in = new BufferedReader(new InputStreamReader(s.body(), StandardCharsets.UTF_8));
    }

    /** The next event's data, or null when the stream ends (an event not ended by a blank line is dropped). */
    @Nullable String next() throws IOException {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (!data.isEmpty()) {
            String event = data.toString();
            data.setLength(0);
            return event;
          }
        } else if (line.startsWith("data:")) {
          if (!data.isEmpty()) {
            data.append('\n');
          }
          data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
        }
      }
      return null;
    }
  }

  /** A message on the GET stream; one that is not JSON is skipped, as the stream goes on. */
  private static @Nullable JsonNode readMessage(String data) {
    try {
      return JSON.readTree(data);
    } catch (IOException e) {
      return null;
    }
  }

  private static JsonNode resultOf(JsonNode response, long id, String method) {
    if (response == null || !response.isObject() || response.path("id").asLong(-1) != id) {
      throw new McpException("upstream_protocol_error", "the upstream sent no response to " + method);
    }
    JsonNode error = response.get("error");
    if (error != null) {
      String message = error.path("message").asText("error");
      throw new UpstreamRpcError(error.path("code").asInt(-32603), message.length() > 500 ? message.substring(0, 500) : message);
    }
    JsonNode result = response.get("result");
    if (result == null || !result.isObject()) {
      throw new McpException("upstream_protocol_error", "the upstream's response to " + method + " has no result");
    }
    return result;
  }

  private EgressRequest base(String method, byte[] body) {
    EgressRequest r = new EgressRequest(method, url, List.of(), body)
        .withHeader("Accept", "application/json, text/event-stream");
    if (body.length > 0) {
      r = r.withHeader("Content-Type", "application/json");
    }
    if (sessionId.isPresent()) {
      r = r.withHeader("Mcp-Session-Id", sessionId.get()).withHeader("MCP-Protocol-Version", protocolVersion);
    }
    return r;
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private static McpException translate(EgressException e) {
    return switch (e) {
      case EgressException.DestinationDenied d ->
          new McpException("upstream_denied", "the network policy does not allow this upstream: " + d.getMessage());
      case EgressException.Timeout t -> new McpException("upstream_timeout", "the upstream did not answer in time");
      default -> new McpException("upstream_unreachable", "the upstream failed: " + e.getMessage());
    };
  }

  /** The upstream answered with a JSON-RPC error. */
  static final class UpstreamRpcError extends McpException {
    private static final long serialVersionUID = 1L;
    private final int rpcCode;

    UpstreamRpcError(int rpcCode, String message) {
      super("upstream_rpc_error", message);
      this.rpcCode = rpcCode;
    }

    int rpcCode() {
      return rpcCode;
    }

    /** The code to pass on to the agent: a server error code as it is, anything else as -32603. */
    int codeForAgent() {
      return rpcCode >= -32768 && rpcCode <= -32000 ? rpcCode : -32603;
    }
  }

  static ArrayNode array() {
    return JSON.createArrayNode();
  }
}
