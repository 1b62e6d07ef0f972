package dev.agentwarden.server;

import dev.agentwarden.store.ApiKey;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** What the API shows of a key: never its secret or hash. */
record KeyView(
    UUID id,
    String name,
    String role,
    String prefix,
    Instant createdAt,
    Optional<Instant> rotatedAt,
    Optional<Instant> lastUsedAt,
    Optional<Instant> expiresAt,
    Optional<Instant> revokedAt,
    Optional<Instant> previousSecretValidUntil,
    String status) {

  static KeyView of(ApiKey k, Instant now) {
    String status = k.revokedAt().isPresent() ? "revoked" : k.activeAt(now) ? "active" : "expired";
    return new KeyView(k.id(), k.name(), k.role().wireName(), k.prefix(), k.createdAt(), k.rotatedAt(),
        k.lastUsedAt(), k.expiresAt(), k.revokedAt(),
        k.previousValidUntil().filter(now::isBefore), status);
  }
}

/** A key with its one-time secret, in the answer to create and rotate. */
record IssuedKeyView(KeyView key, String secret) {
  @Override
  public String toString() {
    return "IssuedKeyView[" + key.id() + "]";
  }
}
