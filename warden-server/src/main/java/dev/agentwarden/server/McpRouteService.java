package dev.agentwarden.server;

import dev.agentwarden.mcp.McpEndpoint;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /mcp}: MCP Streamable HTTP for agents, authenticated with the agent's key. POST carries
 * one JSON-RPC message and is answered with JSON; DELETE ends the session; GET (a server-to-
 * client stream) is not offered, which the transport allows (405).
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
          req.rawBody());
      ApiResponse response = r.body().isPresent()
          ? ApiResponse.json(r.status(), r.body().get())
          : new ApiResponse(r.status(), "", new byte[0], Map.of(), Optional.empty());
      for (Map.Entry<String, String> h : r.headers().entrySet()) {
        response = response.withHeader(h.getKey(), h.getValue());
      }
      return response;
    });
    t.add("DELETE", "/mcp", Roles.AGENT, req -> {
      int status = endpoint.delete(req.tenant(), req.principal().keyId(), req.header("Mcp-Session-Id"));
      return new ApiResponse(status, "", new byte[0], Map.of(), Optional.empty());
    });
  }
}
