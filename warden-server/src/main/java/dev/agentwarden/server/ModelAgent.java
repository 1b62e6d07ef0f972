package dev.agentwarden.server;

import dev.agentwarden.core.scan.injection.InjectionPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * What the model proxy needs to know about the agent acting through an agent key.
 *
 * @param provider the provider it calls through; empty when none is set (every call refused)
 * @param models the models it may call; empty means whatever its provider allows
 * @param systemPromptSha256 the pinned system prompt's hash; empty when it has none
 * @param injection its injection verdict settings
 * @param budget its own limits (requests per minute, tokens per day, spend per month)
 * @param updatedAt the version of its row, which a cached copy is checked against
 */
record ModelAgent(
    UUID id,
    String name,
    Optional<String> provider,
    List<String> models,
    Optional<String> systemPromptSha256,
    InjectionPolicy injection,
    boolean enabled,
    Limits budget,
    Instant updatedAt) {

  ModelAgent {
    models = List.copyOf(models);
  }

  /** Budget limits; empty is unlimited. */
  record Limits(OptionalLong requestsPerMinute, OptionalLong tokensPerDay, OptionalLong spendPerMonthMicros) {
    static Limits none() {
      return new Limits(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());
    }
  }
}
