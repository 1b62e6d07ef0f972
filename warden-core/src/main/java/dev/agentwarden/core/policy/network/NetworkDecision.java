package dev.agentwarden.core.policy.network;

import dev.agentwarden.core.policy.Decision;
import java.util.Objects;
import java.util.Optional;

/**
 * The network policy's answer for one URL.
 *
 * @param decision allow or deny, with the rule and reason
 * @param destination where to connect; present exactly when the decision allows
 * @param waived in report mode, the denial that was waived (to be audited); empty otherwise
 */
public record NetworkDecision(Decision decision, Optional<Destination> destination, Optional<Decision> waived) {
  public NetworkDecision {
    Objects.requireNonNull(decision, "decision");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(waived, "waived");
    if (decision.allowed() != destination.isPresent()) {
      throw new IllegalArgumentException("an allow has a destination and a deny has none");
    }
  }

  static NetworkDecision deny(String rule, String reason) {
    return new NetworkDecision(Decision.deny(rule, reason), Optional.empty(), Optional.empty());
  }

  public boolean allowed() {
    return decision.allowed();
  }
}
