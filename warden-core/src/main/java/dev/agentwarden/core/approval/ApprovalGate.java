package dev.agentwarden.core.approval;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The rules of hash-pinned approval. A request pins the canonical payload and its SHA-256; an
 * approver must echo that hash; the requester's key and agent cannot approve; one key counts
 * once; the request is approved when the rule's quorum is met before expiry; execution takes
 * an approved request exactly once, before expiry, and only for a payload with the same hash.
 * One deny closes the request.
 *
 * <p>Pure: every method returns the next state or throws {@link ApprovalException}; storing
 * the state (under a row lock, so two decisions cannot both see the old one) is the caller's.
 */
public final class ApprovalGate {
  private final Clock clock;

  public ApprovalGate(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Opens a request for {@code payload} under {@code rule}, which must require approval. */
  public Approval open(UUID id, ApprovalPayload payload, Actor requester, ApprovalRule rule) {
    if (!rule.required()) {
      throw new ApprovalException("approval_not_required", "the rule requires no approval");
    }
    Instant now = clock.instant();
    return new Approval(id, payload, requester, rule, now, now.plus(rule.expiry()), ApprovalStatus.PENDING, List.of());
  }

  /** Records {@code approver}'s approval, who must echo the payload hash. */
  public Approval approve(Approval a, Actor approver, String echoedSha256, Optional<String> comment) {
    return decide(a, approver, echoedSha256, comment, true);
  }

  /** Records a denial, which closes the request; the hash must be echoed here too. */
  public Approval deny(Approval a, Actor approver, String echoedSha256, Optional<String> comment) {
    return decide(a, approver, echoedSha256, comment, false);
  }

  /**
   * Authorises running {@code payload} under {@code a} and returns the executed state to store.
   * Refuses a payload whose hash differs, a request not approved, a second execution and
   * anything after expiry.
   */
  public Approval execute(Approval a, ApprovalPayload payload) {
    Instant now = clock.instant();
    if (!a.payload().hashEquals(payload.sha256())) {
      throw new ApprovalException("approval_payload_mismatch",
          "the action differs from the approved one (approved sha256 " + a.payload().sha256()
              + ", got " + payload.sha256() + ")");
    }
    return switch (a.statusAt(now)) {
      case APPROVED -> a.with(ApprovalStatus.EXECUTED, a.votes());
      case EXECUTED -> throw new ApprovalException("approval_already_used", "approval " + a.id() + " was already used");
      case EXPIRED -> throw new ApprovalException("approval_expired", "approval " + a.id() + " has expired");
      case DENIED -> throw new ApprovalException("approval_denied", "approval " + a.id() + " was denied");
      case PENDING -> throw new ApprovalException("approval_pending",
          "pending approval " + a.id() + " (" + a.approvals() + " of " + a.rule().approvers() + " approvals)");
    };
  }

  private Approval decide(Approval a, Actor approver, String echoedSha256, Optional<String> comment, boolean approve) {
    Objects.requireNonNull(approver, "approver");
    Objects.requireNonNull(comment, "comment");
    Instant now = clock.instant();
    ApprovalStatus status = a.statusAt(now);
    if (status == ApprovalStatus.EXPIRED) {
      throw new ApprovalException("approval_expired", "approval " + a.id() + " has expired");
    }
    if (status != ApprovalStatus.PENDING) {
      throw new ApprovalException("approval_closed", "approval " + a.id() + " is " + status.wire() + ", not pending");
    }
    if (!a.payload().hashEquals(echoedSha256)) {
      throw new ApprovalException("approval_hash_mismatch",
          "payload_sha256 must echo the SHA-256 of the payload shown with the request");
    }
    if (approver.sameParty(a.requester())) {
      throw new ApprovalException("approval_self_approval", "the requester's key or agent cannot decide its own request");
    }
    for (ApprovalVote v : a.votes()) {
      if (v.approver().keyId().equals(approver.keyId())) {
        throw new ApprovalException("approval_already_decided", "this approver has already decided on approval " + a.id());
      }
    }
    List<ApprovalVote> votes = new ArrayList<>(a.votes());
    votes.add(new ApprovalVote(approver, approve, now, comment));
    Approval next = a.with(a.status(), votes);
    if (!approve) {
      return next.with(ApprovalStatus.DENIED, votes);
    }
    return next.approvals() >= a.rule().approvers() ? next.with(ApprovalStatus.APPROVED, votes) : next;
  }
}
