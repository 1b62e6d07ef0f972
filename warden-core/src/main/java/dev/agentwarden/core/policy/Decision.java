package dev.agentwarden.core.policy;

import java.util.Objects;

/**
 * The outcome of one policy check: allowed or denied, the rule that decided, and why.
 *
 * <p>Every check in the policy engine returns a decision rather than throwing, so that a denial
 * can be explained to the caller and written to the audit log. {@code ruleId} names the rule
 * that matched (for example {@code network.allow[2]}) or the built-in rule that denied (for
 * example {@code network.default_deny}); {@code reason} is a short sentence safe to show a client.
 *
 * @param verdict allow or deny
 * @param ruleId the rule that decided, never blank
 * @param reason why, in words a policy author understands, never blank
 */
public record Decision(Verdict verdict, String ruleId, String reason) {

  /** Whether the action may proceed. */
  public enum Verdict {
    ALLOW,
    DENY
  }

  public Decision {
    Objects.requireNonNull(verdict, "verdict");
    requireText(ruleId, "ruleId");
    requireText(reason, "reason");
  }

  /** An allow decided by {@code ruleId}. */
  public static Decision allow(String ruleId, String reason) {
    return new Decision(Verdict.ALLOW, ruleId, reason);
  }

  /** A deny decided by {@code ruleId}. */
  public static Decision deny(String ruleId, String reason) {
    return new Decision(Verdict.DENY, ruleId, reason);
  }

  public boolean allowed() {
    return verdict == Verdict.ALLOW;
  }

  public boolean denied() {
    return verdict == Verdict.DENY;
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
