package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.approval.Actor;
import dev.agentwarden.core.approval.Approval;
import dev.agentwarden.core.approval.ApprovalException;
import dev.agentwarden.core.approval.ApprovalGate;
import dev.agentwarden.core.approval.ApprovalStatus;
import dev.agentwarden.core.json.CanonicalJson;
import dev.agentwarden.mcp.AuditSink;
import dev.agentwarden.store.Agents;
import dev.agentwarden.store.Approvals;
import dev.agentwarden.store.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/approvals}: the requests waiting for a human, with the exact payload and its
 * SHA-256. Deciding requires echoing that hash; the requester's key and agent cannot decide;
 * one key counts once. Every decision (and every refused attempt) is audited.
 */
final class ApprovalService implements ApiService {
  private final Database db;
  private final ApprovalGate gate;
  private final AuditSink audit;
  private final Clock clock;

  ApprovalService(Database db, ApprovalGate gate, AuditSink audit, Clock clock) {
    this.db = db;
    this.gate = gate;
    this.audit = audit;
    this.clock = clock;
  }

  record Decide(String payloadSha256, Optional<String> comment) {
    Decide {
      Fields.require(payloadSha256, "payload_sha256");
      comment = comment == null ? Optional.empty() : comment;
      comment.ifPresent(c -> {
        if (c.length() > 2000) {
          throw ApiException.badRequest("invalid_field", "comment must be at most 2000 characters");
        }
      });
    }
  }

  record VoteView(String approverKeyId, boolean approve, Instant at, Optional<String> comment) {}

  record ApprovalView(UUID id, Optional<UUID> agentId, Optional<String> agent, String action, JsonNode payload,
      String payloadCanonical, String payloadSha256, String requesterKeyId, String status, int approversRequired,
      long approvals, List<VoteView> votes, Instant createdAt, Instant expiresAt) {
    static ApprovalView of(Approvals.Stored s, Instant now) {
      Approval a = s.approval();
      return new ApprovalView(a.id(), s.agentId(), a.requester().agent(), s.action(),
          CanonicalJson.parse(a.payload().canonical()), a.payload().canonical(), a.payload().sha256(),
          a.requester().keyId(), a.statusAt(now).wire(), a.rule().approvers(), a.approvals(),
          a.votes().stream().map(v -> new VoteView(v.approver().keyId(), v.approve(), v.at(), v.comment())).toList(),
          a.createdAt(), a.expiresAt());
    }
  }

  @Override
  public void routes(RouteTable t) {
    t.add("GET", "/v1/approvals", Roles.APPROVE, req -> {
      Optional<ApprovalStatus> status;
      try {
        status = req.query("status").map(ApprovalStatus::fromWire);
      } catch (ApprovalException e) {
        throw ApiException.badRequest("invalid_parameter", e.getMessage());
      }
      int limit = req.queryInt("limit", 100, 1, 500);
      Instant now = clock.instant();
      // Stored status lags expiry, so filter on the status as of now.
      Optional<ApprovalStatus> stored = status.filter(s -> s != ApprovalStatus.EXPIRED && s != ApprovalStatus.PENDING
          && s != ApprovalStatus.APPROVED);
      List<ApprovalView> views = db.inTenant(req.tenant(), tx -> Approvals.list(tx, stored, 500)).stream()
          .map(s -> ApprovalView.of(s, now))
          .filter(v -> status.isEmpty() || v.status().equals(status.get().wire()))
          .limit(limit)
          .toList();
      return ApiResponse.ok(Map.of("data", views));
    });
    t.add("GET", "/v1/approvals/{id}", Roles.APPROVE, req -> {
      UUID id = req.idParam("id", "approval");
      return ApiResponse.ok(db.inTenant(req.tenant(), tx -> Approvals.find(tx, id))
          .map(s -> ApprovalView.of(s, clock.instant())).orElseThrow(() -> ApiException.notFound("approval")));
    });
    t.add("POST", "/v1/approvals/{id}/approve", Roles.APPROVE, req -> decide(req, true));
    t.add("POST", "/v1/approvals/{id}/deny", Roles.APPROVE, req -> decide(req, false));
  }

  private ApiResponse decide(ApiRequest req, boolean approve) {
    UUID id = req.idParam("id", "approval");
    Decide body = req.body(Decide.class);
    UUID keyId = req.principal().keyId();
    String actor = "key:" + keyId;
    try {
      ApprovalView view = db.inTenant(req.tenant(), tx -> {
        Approvals.Stored s = Approvals.lock(tx, id).orElseThrow(() -> ApiException.notFound("approval"));
        Optional<String> agent = Agents.findByKey(tx, keyId).map(a -> a.name());
        Actor approver = new Actor(keyId.toString(), agent);
        Approval next = approve
            ? gate.approve(s.approval(), approver, body.payloadSha256(), body.comment())
            : gate.deny(s.approval(), approver, body.payloadSha256(), body.comment());
        Approvals.save(tx, next);
        return ApprovalView.of(new Approvals.Stored(next, s.agentId(), s.action()), clock.instant());
      });
      Map<String, Object> audited = new LinkedHashMap<>();
      audited.put("approval_id", id.toString());
      audited.put("decision", approve ? "approve" : "deny");
      audited.put("payload_sha256", view.payloadSha256());
      audited.put("status", view.status());
      audited.put("approvals", view.approvals());
      audit.record(req.tenant(), actor, "approval.decided", audited);
      return ApiResponse.ok(view);
    } catch (ApprovalException e) {
      audit.record(req.tenant(), actor, "approval.refused", Map.of("approval_id", id.toString(),
          "decision", approve ? "approve" : "deny", "code", e.code()));
      int status = switch (e.code()) {
        case "approval_self_approval" -> 403;
        case "approval_hash_mismatch" -> 422;
        default -> 409;
      };
      throw new ApiException(status, e.code(), e.getMessage());
    }
  }
}
