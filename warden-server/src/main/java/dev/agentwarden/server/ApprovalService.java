package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.approval.Actor;
import dev.agentwarden.core.approval.Approval;
import dev.agentwarden.core.approval.ApprovalException;
import dev.agentwarden.core.approval.ApprovalGate;
import dev.agentwarden.core.approval.ApprovalPayload;
import dev.agentwarden.core.approval.ApprovalStatus;
import dev.agentwarden.core.json.CanonicalJson;
import dev.agentwarden.store.Agents;
import dev.agentwarden.store.Approvals;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.SessionAllows;
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
  private final ChainAudit audit;
  private final Clock clock;

  ApprovalService(Database db, ApprovalGate gate, ChainAudit audit, Clock clock) {
    this.db = db;
    this.gate = gate;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * A decision. {@code allowSession} (approve only) also allows this exact tool and argument
   * hash for the requesting agent for the rest of the MCP session the request came from.
   */
  record Decide(String payloadSha256, Optional<String> comment, Optional<Boolean> allowSession) {
    Decide {
      Fields.require(payloadSha256, "payload_sha256");
      comment.ifPresent(c -> {
        if (c.length() > 2000) {
          throw ApiException.badRequest("invalid_field", "comment must be at most 2000 characters");
        }
      });
    }
  }

  record VoteView(String approverKeyId, boolean approve, Instant at, Optional<String> comment) {}

  /** {@code reason}: why the request was opened (an approval rule, or low trust), when recorded. */
  record ApprovalView(UUID id, Optional<UUID> agentId, Optional<String> agent, String action, JsonNode payload,
      String payloadCanonical, String payloadSha256, String requesterKeyId, String status, int approversRequired,
      long approvals, List<VoteView> votes, Optional<JsonNode> reason, Instant createdAt, Instant expiresAt) {
    static ApprovalView of(Approvals.Stored s, Instant now) {
      Approval a = s.approval();
      return new ApprovalView(a.id(), s.agentId(), a.requester().agent(), s.action(),
          CanonicalJson.parse(a.payload().canonical()), a.payload().canonical(), a.payload().sha256(),
          a.requester().keyId(), a.statusAt(now).wire(), a.rule().approvers(), a.approvals(),
          a.votes().stream().map(v -> new VoteView(v.approver().keyId(), v.approve(), v.at(), v.comment())).toList(),
          s.reason().map(CanonicalJson::parse), a.createdAt(), a.expiresAt());
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
    boolean allowSession = body.allowSession().orElse(false);
    if (allowSession && !approve) {
      throw ApiException.badRequest("invalid_field", "allow_session applies to approve only");
    }
    record Decided(ApprovalView view, Optional<SessionAllows.SessionAllow> allow) {}
    try {
      Decided decided = db.inTenant(req.tenant(), tx -> {
        Approvals.Stored s = Approvals.lock(tx, id).orElseThrow(() -> ApiException.notFound("approval"));
        Optional<String> agent = Agents.findByKey(tx, keyId).map(a -> a.name());
        Actor approver = new Actor(keyId.toString(), agent);
        Approval next = approve
            ? gate.approve(s.approval(), approver, body.payloadSha256(), body.comment())
            : gate.deny(s.approval(), approver, body.payloadSha256(), body.comment());
        Approvals.save(tx, next);
        Optional<SessionAllows.SessionAllow> allow = allowSession
            ? Optional.of(SessionAllows.insert(tx, sessionAllow(tx, s, next, keyId)))
            : Optional.empty();
        ApprovalView view = ApprovalView.of(new Approvals.Stored(next, s.agentId(), s.action(), s.reason()), clock.instant());
        // The decision and its record commit together: a vote that is not in the log did not happen.
        Map<String, Object> audited = new LinkedHashMap<>();
        audited.put("approval_id", id.toString());
        audited.put("decision", approve ? "approve" : "deny");
        audited.put("payload_sha256", view.payloadSha256());
        audited.put("status", view.status());
        audited.put("approvals", view.approvals());
        audit.record(tx, actor, "approval.decided", audited);
        if (allow.isPresent()) {
          audit.record(tx, actor, "session_allow.created", SessionAllowService.event(allow.get()));
        }
        return new Decided(view, allow);
      });
      return ApiResponse.ok(decided.view());
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

  /**
   * The allow an approve with {@code allow_session} creates. It is refused (and the whole
   * decision with it) when it would weaken a rule: under dual control one approver alone must
   * not let later calls skip the second one, and a request that came from no MCP session has no
   * session to scope the allow to.
   */
  private SessionAllows.SessionAllow sessionAllow(dev.agentwarden.store.Tx tx, Approvals.Stored s, Approval next,
      UUID approverKey) throws java.sql.SQLException {
    if (s.approval().rule().approvers() > 1) {
      throw new ApiException(409, "session_allow_dual_control",
          "allow_session is refused for a rule that needs " + s.approval().rule().approvers()
              + " approvers: an allow would let later calls skip dual control");
    }
    if (next.status() != ApprovalStatus.APPROVED) {
      throw new ApiException(409, "session_allow_not_approved", "allow_session needs the request to be approved");
    }
    Optional<String> session = Approvals.sessionOf(tx, s.approval().id());
    if (session.isEmpty() || s.agentId().isEmpty() || s.approval().requester().agent().isEmpty()) {
      throw new ApiException(409, "session_allow_no_session",
          "this request did not come from an agent's MCP session, so there is no session to allow it for");
    }
    JsonNode arguments = CanonicalJson.parse(s.approval().payload().canonical()).path("arguments");
    return new SessionAllows.SessionAllow(UUID.randomUUID(), s.agentId().get(), s.approval().requester().agent().get(),
        s.action(), ApprovalPayload.of(arguments).sha256(), session.get(), s.approval().id(), approverKey,
        clock.instant(), Optional.empty(), Optional.empty(), Optional.empty());
  }
}
