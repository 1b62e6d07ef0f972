package dev.agentwarden.server;

import dev.agentwarden.store.Database;
import dev.agentwarden.store.SessionAllows;
import dev.agentwarden.store.SessionAllows.SessionAllow;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/session-allows}: what approvers allowed for the rest of an MCP session (an approve
 * with {@code allow_session}), listed so it stays visible, and revocable. A revoked allow stops
 * matching at once; the row stays, with who revoked it and when.
 */
final class SessionAllowService implements ApiService {
  private final Database db;
  private final ChainAudit audit;
  private final Clock clock;

  SessionAllowService(Database db, ChainAudit audit, Clock clock) {
    this.db = db;
    this.audit = audit;
    this.clock = clock;
  }

  record AllowView(UUID id, UUID agentId, String agent, String tool, String argumentsSha256, String sessionSha256,
      UUID approvalId, String createdBy, Instant createdAt, String status, Optional<Instant> revokedAt,
      Optional<String> revokedBy, Optional<Instant> endedAt) {
    static AllowView of(SessionAllow a) {
      return new AllowView(a.id(), a.agentId(), a.agent(), a.tool(), a.argumentsSha256(), a.sessionSha256(),
          a.approvalId(), a.createdBy().toString(), a.createdAt(), a.status(), a.revokedAt(),
          a.revokedBy().map(UUID::toString), a.endedAt());
    }
  }

  /** The audit body of an allow: ids and hashes only. */
  static Map<String, Object> event(SessionAllow a) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("allow_id", a.id().toString());
    body.put("agent_id", a.agentId().toString());
    body.put("agent", a.agent());
    body.put("tool", a.tool());
    body.put("arguments_sha256", a.argumentsSha256());
    body.put("session_sha256", a.sessionSha256());
    body.put("approval_id", a.approvalId().toString());
    return body;
  }

  @Override
  public void routes(RouteTable t) {
    t.add("GET", "/v1/session-allows", Roles.APPROVE, req -> {
      Optional<String> status = req.query("status");
      if (status.isPresent() && !List.of("active", "revoked", "ended").contains(status.get())) {
        throw ApiException.badRequest("invalid_parameter", "status must be active, revoked or ended");
      }
      Optional<String> agent = req.query("agent");
      int limit = req.queryInt("limit", 100, 1, 500);
      return ApiResponse.ok(Map.of("data", db.inTenant(req.tenant(), tx -> SessionAllows.list(tx, status, agent, limit))
          .stream().map(AllowView::of).toList()));
    });
    t.add("GET", "/v1/session-allows/{id}", Roles.APPROVE, req -> {
      UUID id = req.idParam("id", "session allow");
      return ApiResponse.ok(db.inTenant(req.tenant(), tx -> SessionAllows.find(tx, id)).map(AllowView::of)
          .orElseThrow(() -> ApiException.notFound("session allow")));
    });
    t.add("DELETE", "/v1/session-allows/{id}", Roles.APPROVE, req -> {
      UUID id = req.idParam("id", "session allow");
      UUID keyId = req.principal().keyId();
      SessionAllow allow = db.inTenant(req.tenant(), tx -> {
        boolean now = SessionAllows.revoke(tx, id, keyId, clock.instant());
        SessionAllow found = SessionAllows.find(tx, id).orElseThrow(() -> ApiException.notFound("session allow"));
        if (now) {
          audit.record(tx, req.principal().actor(), "session_allow.revoked", event(found));
        }
        return found;
      });
      return ApiResponse.ok(AllowView.of(allow));
    });
  }
}
