package dev.agentwarden.store;

import dev.agentwarden.core.auth.Role;
import dev.agentwarden.core.id.TenantId;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** A tenant's API key as stored: the secret itself is never stored, only its keyed hash. */
public record ApiKey(
    UUID id,
    TenantId tenant,
    String name,
    Role role,
    String prefix,
    byte[] secretHash,
    Optional<byte[]> previousSecretHash,
    Optional<Instant> previousValidUntil,
    Instant createdAt,
    Optional<Instant> rotatedAt,
    Optional<Instant> lastUsedAt,
    Optional<Instant> expiresAt,
    Optional<Instant> revokedAt) {

  /** Usable at {@code now}: not revoked and not expired. */
  public boolean activeAt(Instant now) {
    return revokedAt.isEmpty() && expiresAt.map(now::isBefore).orElse(true);
  }

  @Override
  public String toString() {
    return "ApiKey[" + id + ", " + prefix + "…, " + role.wireName() + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiKey k && k.id.equals(id) && k.tenant.equals(tenant);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }
}
