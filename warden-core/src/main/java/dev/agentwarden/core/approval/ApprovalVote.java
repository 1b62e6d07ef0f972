package dev.agentwarden.core.approval;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One approver's decision on one request.
 *
 * @param approver who decided
 * @param approve true to approve, false to deny
 * @param at when
 * @param comment the approver's note
 */
public record ApprovalVote(Actor approver, boolean approve, Instant at, Optional<String> comment) {
  public ApprovalVote {
    Objects.requireNonNull(approver, "approver");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(comment, "comment");
  }
}
