package dev.agentwarden.store;

import dev.agentwarden.core.vault.SecretRef;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A model provider of a tenant as the API shows it: its key only as a vault reference and a
 * masked value.
 *
 * @param ownsSecret true when the key was given inline and lives in a vault secret the provider
 *     created ({@code vault://provider.<name>}), deleted with it; false for a shared {@code
 *     secret_ref}
 * @param allowedModels models that may be called through it; empty means any
 */
public record Provider(
    UUID id,
    String name,
    String kind,
    URI baseUrl,
    SecretRef secret,
    boolean ownsSecret,
    String maskedKey,
    List<String> allowedModels,
    boolean enabled,
    Instant createdAt,
    Instant updatedAt) {

  /** Whether {@code model} may be called through this provider. */
  public boolean allowsModel(String model) {
    return allowedModels.isEmpty() || allowedModels.contains(model);
  }
}
