package dev.agentwarden.server;

import dev.agentwarden.mcp.McpEndpoint;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /mcp}: MCP Streamable HTTP for agents, authenticated with the agent's key. POST carries
 * one JSON-RPC message and is answered with JSON; GET opens the session's event stream (tool
 * list changes); DELETE ends the session and its stream.
 */
final class McpRouteService implements ApiService {
  private final McpEndpoint endpoint;

  McpRouteService(McpEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public void routes(RouteTable t) {
    t.add("POST", "/mcp", Roles.AGENT, req -> {
      McpEndpoint.Reply r = endpoint.post(req.tenant(), req.principal().keyId(), req.header("Mcp-Session-Id"),
          req.header("Accept"), req.rawBody());
      if (r.stream().isPresent()) {
        McpEndpoint.EventStream stream = r.stream().get();
        return withHeaders(ApiResponse.stream(r.status(), "text/event-stream", stream::writeTo), r);
      }
      ApiResponse response = r.body().isPresent()
          ? ApiResponse.json(r.status(), r.body().get())
          : new ApiResponse(r.status(), "", new byte[0], Map.of(), Optional.empty());
      return withHeaders(response, r);
    });
    t.add("GET", "/mcp", Roles.AGENT, req -> switch (endpoint.openStream(req.tenant(), req.principal().keyId(),
        req.header("Mcp-Session-Id"), req.header("Accept"), req.header("Last-Event-ID"))) {
      case McpEndpoint.Opened.Refused refused -> withHeaders(ApiResponse.json(refused.reply().status(),
          refused.reply().body().orElseThrow()), refused.reply());
      case McpEndpoint.Opened.Stream stream -> ApiResponse.stream(200, "text/event-stream", stream.body()::writeTo);
    });
    t.add("DELETE", "/mcp", Roles.AGENT, req -> {
      int status = endpoint.delete(req.tenant(), req.principal().keyId(), req.header("Mcp-Session-Id"));
      return new ApiResponse(status, "", new byte[0], Map.of(), Optional.empty());
    });
  }

  private static ApiResponse withHeaders(ApiResponse response, McpEndpoint.Reply r) {
    ApiResponse out = response;
    for (Map.Entry<String, String> h : r.headers().entrySet()) {
      out = out.withHeader(h.getKey(), h.getValue());
    }
    return out;
  }
}
