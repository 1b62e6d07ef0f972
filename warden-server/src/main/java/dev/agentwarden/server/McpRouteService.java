package dev.agentwarden.server;

import dev.agentwarden.mcp.McpEndpoint;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /mcp}: MCP Streamable HTTP for agents, authenticated with the agent's key. POST carries
 * one JSON-RPC message and is answered with JSON; GET opens the session's event stream (tool
 * list changes); DELETE ends the session and its stream. A request carrying an {@code Origin}
 * that is not in {@code mcp_allowed_origins} gets 403 before the endpoint sees it (DNS-rebinding
 * protection): no session is created and nothing is called.
 */
final class McpRouteService implements ApiService {
  private final McpEndpoint endpoint;
  private final AllowedOrigins origins;

  McpRouteService(McpEndpoint endpoint, AllowedOrigins origins) {
    this.endpoint = endpoint;
    this.origins = origins;
  }

  @Override
  public void routes(RouteTable t) {
    t.add("POST", "/mcp", Roles.AGENT, req -> {
      if (!origins.allows(req.header("Origin"))) {
        return originRefused();
      }
      McpEndpoint.Reply r = endpoint.post(req.tenant(), req.principal().keyId(), req.header("Mcp-Session-Id"),
          req.header("Accept"), req.header("MCP-Protocol-Version"), req.rawBody());
      if (r.stream().isPresent()) {
        McpEndpoint.EventStream stream = r.stream().get();
        return withHeaders(ApiResponse.stream(r.status(), "text/event-stream", stream::writeTo), r);
      }
      ApiResponse response = r.body().isPresent()
          ? ApiResponse.json(r.status(), r.body().get())
          : new ApiResponse(r.status(), "", new byte[0], Map.of(), Optional.empty());
      return withHeaders(response, r);
    });
    t.add("GET", "/mcp", Roles.AGENT, req -> {
      if (!origins.allows(req.header("Origin"))) {
        return originRefused();
      }
      Optional<McpEndpoint.Reply> badVersion = McpEndpoint.unsupportedVersion(req.header("MCP-Protocol-Version"));
      if (badVersion.isPresent()) {
        return ApiResponse.json(badVersion.get().status(), badVersion.get().body().orElseThrow());
      }
      return switch (endpoint.openStream(req.tenant(), req.principal().keyId(),
          req.header("Mcp-Session-Id"), req.header("Accept"), req.header("Last-Event-ID"))) {
        case McpEndpoint.Opened.Refused refused -> withHeaders(ApiResponse.json(refused.reply().status(),
            refused.reply().body().orElseThrow()), refused.reply());
        case McpEndpoint.Opened.Stream stream -> ApiResponse.stream(200, "text/event-stream", stream.body()::writeTo);
      };
    });
    t.add("DELETE", "/mcp", Roles.AGENT, req -> {
      if (!origins.allows(req.header("Origin"))) {
        return originRefused();
      }
      Optional<McpEndpoint.Reply> badVersion = McpEndpoint.unsupportedVersion(req.header("MCP-Protocol-Version"));
      if (badVersion.isPresent()) {
        return ApiResponse.json(badVersion.get().status(), badVersion.get().body().orElseThrow());
      }
      int status = endpoint.delete(req.tenant(), req.principal().keyId(), req.header("Mcp-Session-Id"));
      return new ApiResponse(status, "", new byte[0], Map.of(), Optional.empty());
    });
  }

  private static ApiResponse originRefused() {
    return ApiResponse.json(403, Json.MAPPER.createObjectNode().put("jsonrpc", "2.0").putNull("id")
        .set("error", Json.MAPPER.createObjectNode().put("code", -32600)
            .put("message", "Forbidden: this Origin is not allowed to call /mcp (mcp_allowed_origins)")));
  }

  private static ApiResponse withHeaders(ApiResponse response, McpEndpoint.Reply r) {
    ApiResponse out = response;
    for (Map.Entry<String, String> h : r.headers().entrySet()) {
      out = out.withHeader(h.getKey(), h.getValue());
    }
    return out;
  }
}
