package dev.agentwarden.store;

import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import java.time.Instant;
import java.util.UUID;

/**
 * What may be known about a vault secret without decrypting it: never the value, only its
 * masked form (computed when the value was written).
 */
public record VaultSecret(
    UUID id,
    SecretRef ref,
    String masked,
    AllowedHosts allowedHosts,
    Injection injection,
    int version,
    Instant createdAt,
    Instant updatedAt) {}
