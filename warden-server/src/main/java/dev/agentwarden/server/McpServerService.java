package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.json.CanonicalJson;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.mcp.McpException;
import dev.agentwarden.mcp.McpGateway;
import dev.agentwarden.mcp.UpstreamWatch;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.McpServer;
import dev.agentwarden.store.McpServers;
import dev.agentwarden.store.McpTool;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code /v1/mcp-servers}: upstream MCP servers and their pinned tools, with the Mission Squad
 * aliases {@code GET /v1/core/servers} and {@code GET /v1/core/tools}. Registering connects to
 * the upstream through egress (so the tenant's network policy decides) and pins every tool; a
 * sync that sees a changed identity quarantines the tool until an admin approves the new hash.
 */
final class McpServerService implements ApiService {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

  private final Database db;
  private final McpGateway gateway;
  private final UpstreamWatch watch;

  McpServerService(Database db, McpGateway gateway, UpstreamWatch watch) {
    this.db = db;
    this.gateway = gateway;
    this.watch = watch;
  }

  record CreateServer(String name, String url, Optional<String> auth, Optional<Boolean> enabled) {
    CreateServer {
      Fields.require(name, "name");
      Fields.require(url, "url");
    }
  }

  record PatchServer(Optional<Boolean> enabled) {
    PatchServer {
    }
  }

  record ApproveTool(String identitySha256) {
    ApproveTool {
      Fields.require(identitySha256, "identity_sha256");
    }
  }

  /** Re-approves a resource (by {@code uri}) or a resource template (by {@code uri_template}). */
  record ApproveResource(String identitySha256, Optional<String> uri, Optional<String> uriTemplate) {
    ApproveResource {
      Fields.require(identitySha256, "identity_sha256");
      if (uri.isPresent() == uriTemplate.isPresent()) {
        throw ApiException.badRequest("invalid_field", "give exactly one of uri and uri_template");
      }
    }
  }

  record ServerView(UUID id, String name, String url, Optional<String> auth, boolean enabled, String instructions,
      Optional<Instant> lastSyncedAt, Optional<String> lastError, Instant createdAt) {
    static ServerView of(McpServer s) {
      return new ServerView(s.id(), s.name(), s.url(), s.authRef(), s.enabled(), s.instructions(), s.lastSyncedAt(),
          s.lastError(), s.createdAt());
    }
  }

  /** A tool with its pinned identity and, when quarantined, the identity awaiting review. */
  record ToolView(String server, String name, String qualifiedName, boolean quarantined, String status,
      String pinnedSha256, String currentSha256, JsonNode pinned, Optional<JsonNode> pendingReview,
      JsonNode findings, boolean acknowledged, Instant changedAt) {
    static ToolView of(String server, McpTool t) {
      return of(server, "", t);
    }

    /** {@code prefix} goes before the name in {@code qualified_name}: {@code @prompts/}, {@code @resources/}. */
    static ToolView of(String server, String prefix, McpTool t) {
      String status = t.removed() ? "removed" : !t.pinnedSha256().equals(t.currentSha256()) ? "quarantined_changed"
          : !t.acknowledged() ? "quarantined_findings" : "active";
      Optional<JsonNode> pending = t.pinnedSha256().equals(t.currentSha256()) ? Optional.empty()
          : Optional.of(CanonicalJson.parse(t.currentIdentity()));
      return new ToolView(server, t.name(), server + "/" + prefix + t.name(), t.quarantined(), status, t.pinnedSha256(),
          t.currentSha256(), CanonicalJson.parse(t.pinnedIdentity()), pending, CanonicalJson.parse(t.findings()),
          t.acknowledged(), t.changedAt());
    }
  }

  /** A server with its pinned tools, prompts, resources and resource templates (same view, same statuses). */
  record Registered(ServerView server, List<ToolView> tools, List<ToolView> prompts, List<ToolView> resources,
      List<ToolView> resourceTemplates) {}

  @Override
  public void routes(RouteTable t) {
    t.add("POST", "/v1/mcp-servers", Roles.ADMIN, req -> {
      CreateServer body = req.body(CreateServer.class);
      if (!NAME.matcher(body.name()).matches()) {
        throw ApiException.badRequest("invalid_field",
            "name must be 1-40 of a-z, 0-9 and '-' (it prefixes tool names, so no '_')");
      }
      if (body.url().length() > 2000) {
        throw ApiException.badRequest("invalid_field", "url must be at most 2000 characters");
      }
      Optional<SecretRef> auth = body.auth().map(SecretRef::parse);
      if (db.inTenant(req.tenant(), tx -> McpServers.findByName(tx, body.name())).isPresent()) {
        throw ApiException.conflict("conflict", "an MCP server named '" + body.name() + "' already exists");
      }
      McpServer s = upstream(() -> gateway.register(req.tenant(), actor(req), body.name(), body.url(), auth,
          body.enabled().orElse(true)));
      if (s.enabled()) {
        watch.watch(req.tenant(), s.id(), false);
      }
      return ApiResponse.created(registered(req, s));
    });
    ApiHandler list = req -> ApiResponse.ok(Map.of("data",
        db.inTenant(req.tenant(), McpServers::list).stream().map(ServerView::of).toList()));
    t.add("GET", "/v1/mcp-servers", Roles.ADMIN, list);
    t.add("GET", "/v1/core/servers", Roles.ADMIN, list);
    t.add("GET", "/v1/core/tools", Roles.ADMIN, req -> {
      List<ToolView> all = new ArrayList<>();
      for (McpServer s : db.inTenant(req.tenant(), McpServers::list)) {
        all.addAll(tools(req, s));
      }
      return ApiResponse.ok(Map.of("data", all));
    });
    t.add("GET", "/v1/mcp-servers/{id}", Roles.ADMIN, req -> {
      McpServer s = find(req);
      return ApiResponse.ok(registered(req, s));
    });
    t.add("PATCH", "/v1/mcp-servers/{id}", Roles.ADMIN, req -> {
      McpServer s = find(req);
      PatchServer p = req.body(PatchServer.class);
      McpServer updated = db.inTenant(req.tenant(), tx -> McpServers.update(tx, s.id(), s.url(), s.authRef(),
          p.enabled().orElse(s.enabled()))).orElseThrow(() -> ApiException.notFound("MCP server"));
      if (updated.enabled()) {
        watch.watch(req.tenant(), updated.id(), true);
      } else {
        watch.unwatch(req.tenant(), updated.id());
      }
      gateway.toolsChanged(req.tenant());
      return ApiResponse.ok(ServerView.of(updated));
    });
    t.add("DELETE", "/v1/mcp-servers/{id}", Roles.ADMIN, req -> {
      McpServer s = find(req);
      db.inTenant(req.tenant(), tx -> McpServers.delete(tx, s.id()));
      watch.unwatch(req.tenant(), s.id());
      gateway.toolsChanged(req.tenant());
      return ApiResponse.noContent();
    });
    t.add("POST", "/v1/mcp-servers/{id}/sync", Roles.ADMIN, req -> {
      McpServer s = find(req);
      McpGateway.SyncReport report = upstream(() -> gateway.sync(req.tenant(), actor(req), s.id()));
      Registered r = registered(req, s);
      return ApiResponse.ok(Map.of("report", report, "tools", r.tools(), "prompts", r.prompts(), "resources", r.resources(),
          "resource_templates", r.resourceTemplates()));
    });
    t.add("POST", "/v1/mcp-servers/{id}/tools/{tool}/approve", Roles.ADMIN, req -> {
      McpServer s = find(req);
      String tool = req.pathParam("tool");
      ApproveTool body = req.body(ApproveTool.class);
      try {
        gateway.approveTool(req.tenant(), actor(req), s.id(), tool, body.identitySha256());
      } catch (McpException e) {
        throw new ApiException(409, e.code(), e.getMessage());
      }
      return ApiResponse.ok(Map.of("tools", tools(req, s)));
    });
    t.add("POST", "/v1/mcp-servers/{id}/prompts/{prompt}/approve", Roles.ADMIN, req -> {
      McpServer s = find(req);
      String prompt = req.pathParam("prompt");
      ApproveTool body = req.body(ApproveTool.class);
      approveItem(req, s, McpServers.PROMPT, prompt, body.identitySha256());
      return ApiResponse.ok(registered(req, s));
    });
    t.add("POST", "/v1/mcp-servers/{id}/resources/approve", Roles.ADMIN, req -> {
      McpServer s = find(req);
      ApproveResource body = req.body(ApproveResource.class);
      if (body.uri().isPresent()) {
        approveItem(req, s, McpServers.RESOURCE, body.uri().get(), body.identitySha256());
      } else {
        approveItem(req, s, McpServers.RESOURCE_TEMPLATE, body.uriTemplate().orElseThrow(), body.identitySha256());
      }
      return ApiResponse.ok(registered(req, s));
    });
  }

  private void approveItem(ApiRequest req, McpServer s, String kind, String name, String sha256) {
    try {
      gateway.approveItem(req.tenant(), actor(req), s.id(), kind, name, sha256);
    } catch (McpException e) {
      throw new ApiException(409, e.code(), e.getMessage());
    }
  }

  private Registered registered(ApiRequest req, McpServer s) {
    return db.inTenant(req.tenant(), tx -> new Registered(ServerView.of(s),
        McpServers.tools(tx, s.id()).stream().map(t -> ToolView.of(s.name(), t)).toList(),
        McpServers.items(tx, s.id(), McpServers.PROMPT).stream().map(t -> ToolView.of(s.name(), "@prompts/", t)).toList(),
        McpServers.items(tx, s.id(), McpServers.RESOURCE).stream().map(t -> ToolView.of(s.name(), "@resources/", t)).toList(),
        McpServers.items(tx, s.id(), McpServers.RESOURCE_TEMPLATE).stream()
            .map(t -> ToolView.of(s.name(), "@resource-templates/", t)).toList()));
  }

  private McpServer find(ApiRequest req) {
    UUID id = req.idParam("id", "MCP server");
    return db.inTenant(req.tenant(), tx -> McpServers.find(tx, id)).orElseThrow(() -> ApiException.notFound("MCP server"));
  }

  private List<ToolView> tools(ApiRequest req, McpServer s) {
    return db.inTenant(req.tenant(), tx -> McpServers.tools(tx, s.id())).stream().map(t -> ToolView.of(s.name(), t)).toList();
  }

  private static String actor(ApiRequest req) {
    return "key:" + req.principal().keyId();
  }

  /** Upstream failures are the upstream's problem: 403 for a policy refusal, 502/504 otherwise. */
  private static <T> T upstream(java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (McpException e) {
      int status = switch (e.code()) {
        case "upstream_denied" -> 403;
        case "upstream_timeout" -> 504;
        case "not_found" -> 404;
        default -> 502;
      };
      throw new ApiException(status, e.code(), e.getMessage());
    }
  }
}
