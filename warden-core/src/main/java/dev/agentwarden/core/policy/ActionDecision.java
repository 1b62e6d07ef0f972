package dev.agentwarden.core.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * A decision on an agent action under a whole {@link Policy}: the decision to act on, and in
 * {@code report} mode the denial that was waived (to be written to the audit log).
 */
public record ActionDecision(Decision decision, Optional<Decision> waived) {
  public ActionDecision {
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(waived, "waived");
  }

  public boolean allowed() {
    return decision.allowed();
  }
}
