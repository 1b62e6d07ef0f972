package dev.agentwarden.core.approval;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One approval request as stored: the exact payload and its hash, who asked, the rule, when it
 * expires, where it stands and every vote. Immutable; {@link ApprovalGate} computes the next
 * state.
 */
public record Approval(
    UUID id,
    ApprovalPayload payload,
    Actor requester,
    ApprovalRule rule,
    Instant createdAt,
    Instant expiresAt,
    ApprovalStatus status,
    List<ApprovalVote> votes) {

  public Approval {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(requester, "requester");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(status, "status");
    votes = List.copyOf(votes);
  }

  /** Distinct approvers who approved (a key counts once). */
  public long approvals() {
    return votes.stream().filter(ApprovalVote::approve).map(v -> v.approver().keyId()).distinct().count();
  }

  /** The status as seen at {@code now}: an open or unexecuted approval past its expiry is expired. */
  public ApprovalStatus statusAt(Instant now) {
    boolean open = status == ApprovalStatus.PENDING || status == ApprovalStatus.APPROVED;
    return open && !now.isBefore(expiresAt) ? ApprovalStatus.EXPIRED : status;
  }

  Approval with(ApprovalStatus next, List<ApprovalVote> nextVotes) {
    return new Approval(id, payload, requester, rule, createdAt, expiresAt, next, nextVotes);
  }
}
