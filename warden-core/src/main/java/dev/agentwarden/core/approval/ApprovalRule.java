package dev.agentwarden.core.approval;

import java.time.Duration;
import java.util.Objects;

/**
 * How many distinct approvers an action needs and how long a request stays open. Zero
 * approvers means the action needs no approval; two or more is dual control.
 *
 * @param approvers distinct approvers required, 0 to {@value #MAX_APPROVERS}
 * @param expiry how long the request (and an approval) stays valid, 1 second to 30 days
 */
public record ApprovalRule(int approvers, Duration expiry) {
  public static final int MAX_APPROVERS = 10;
  public static final Duration MAX_EXPIRY = Duration.ofDays(30);
  private static final ApprovalRule NONE = new ApprovalRule(0, Duration.ofSeconds(1));

  public ApprovalRule {
    Objects.requireNonNull(expiry, "expiry");
    if (approvers < 0 || approvers > MAX_APPROVERS) {
      throw new ApprovalException("invalid_approval_rule",
          "approvers must be between 0 and " + MAX_APPROVERS + ", got " + approvers);
    }
    if (expiry.compareTo(Duration.ofSeconds(1)) < 0 || expiry.compareTo(MAX_EXPIRY) > 0) {
      throw new ApprovalException("invalid_approval_rule",
          "expiry must be between 1 second and 30 days, got " + expiry.toSeconds() + " seconds");
    }
  }

  /** No approval needed. */
  public static ApprovalRule none() {
    return NONE;
  }

  /** {@code n} distinct approvers within {@code expiry}. */
  public static ApprovalRule approvers(int n, Duration expiry) {
    return new ApprovalRule(n, expiry);
  }

  public boolean required() {
    return approvers > 0;
  }
}
