package dev.agentwarden.core.approval;

import java.util.Objects;
import java.util.Optional;

/**
 * Who asks or decides: the API key that made the call and, for an agent's key, the agent it
 * belongs to. One key is one person (or one agent), so a key counts once toward a quorum.
 *
 * @param keyId the API key's id
 * @param agent the agent the key belongs to, if any
 */
public record Actor(String keyId, Optional<String> agent) {
  public Actor {
    if (keyId == null || keyId.isBlank()) {
      throw new IllegalArgumentException("keyId must not be blank");
    }
    Objects.requireNonNull(agent, "agent");
  }

  public static Actor key(String keyId) {
    return new Actor(keyId, Optional.empty());
  }

  public static Actor agentKey(String keyId, String agent) {
    return new Actor(keyId, Optional.of(agent));
  }

  /** Whether this actor is, or speaks for, {@code other}: the same key or the same agent. */
  boolean sameParty(Actor other) {
    return keyId.equals(other.keyId) || (agent.isPresent() && agent.equals(other.agent));
  }
}
