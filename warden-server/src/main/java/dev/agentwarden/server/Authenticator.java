package dev.agentwarden.server;

import dev.agentwarden.core.auth.ApiKeyToken;
import dev.agentwarden.core.auth.Role;
import dev.agentwarden.core.crypto.KeyHasher;
import dev.agentwarden.store.ApiKey;
import dev.agentwarden.store.ApiKeys;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.OperatorKeys;
import dev.agentwarden.store.Tenant;
import dev.agentwarden.store.Tenants;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a bearer token into a {@link Principal}. Key rows are cached for at most
 * {@link #MAX_STALENESS}, so a revocation or suspension made by any gateway process on the same
 * database is honoured everywhere within that time, while the secret itself is checked against
 * its keyed hash on every request.
 */
final class Authenticator {
  static final Duration MAX_STALENESS = Duration.ofMillis(500);
  static final String KEY_PURPOSE = "api-key";
  private static final Duration LAST_USED_GRANULARITY = Duration.ofMinutes(1);
  private static final int MAX_CACHED = 100_000;

  private record Snapshot(Optional<ApiKey> key, Optional<byte[]> operatorHash, Tenant.Status status, long loadedNanos) {}

  private final Database db;
  private final KeyHasher hasher;
  private final Clock clock;
  private final Map<UUID, Snapshot> cache = new ConcurrentHashMap<>();

  Authenticator(Database db, KeyHasher hasher, Clock clock) {
    this.db = db;
    this.hasher = hasher;
    this.clock = clock;
  }

  Principal authenticate(Optional<String> authorization) {
    String header = authorization.orElseThrow(() -> unauthenticated("missing bearer token"));
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw unauthenticated("Authorization must use the Bearer scheme");
    }
    ApiKeyToken token = ApiKeyToken.parse(header.substring(7).trim())
        .orElseThrow(() -> unauthenticated("invalid or expired key"));
    Snapshot snap = snapshot(token);
    Instant now = clock.instant();
    if (token.tenant().isOperator()) {
      byte[] stored = snap.operatorHash().orElseThrow(() -> unauthenticated("invalid or expired key"));
      if (!hasher.matches(KEY_PURPOSE, token.secret(), stored)) {
        throw unauthenticated("invalid or expired key");
      }
      return new Principal(token.tenant(), token.keyId(), Role.OPERATOR);
    }
    ApiKey key = snap.key().orElseThrow(() -> unauthenticated("invalid or expired key"));
    boolean current = hasher.matches(KEY_PURPOSE, token.secret(), key.secretHash());
    boolean withinGrace = !current
        && key.previousSecretHash().isPresent()
        && key.previousValidUntil().map(now::isBefore).orElse(false)
        && hasher.matches(KEY_PURPOSE, token.secret(), key.previousSecretHash().get());
    if (!(current || withinGrace) || !key.activeAt(now)) {
      throw unauthenticated("invalid or expired key");
    }
    if (snap.status() == Tenant.Status.SUSPENDED) {
      throw ApiException.forbidden("tenant_suspended", "the tenant is suspended");
    }
    return new Principal(key.tenant(), key.id(), key.role());
  }

  private Snapshot snapshot(ApiKeyToken token) {
    long nowNanos = System.nanoTime();
    Snapshot cached = cache.get(token.keyId());
    if (cached != null && nowNanos - cached.loadedNanos() < MAX_STALENESS.toNanos()) {
      return cached;
    }
    Snapshot fresh = token.tenant().isOperator() ? loadOperator(token.keyId(), nowNanos) : loadKey(token, nowNanos);
    if (cache.size() >= MAX_CACHED) {
      cache.clear();
    }
    cache.put(token.keyId(), fresh);
    return fresh;
  }

  private Snapshot loadOperator(UUID keyId, long nowNanos) {
    Optional<byte[]> hash = db.asOperator(tx -> OperatorKeys.activeHash(tx, keyId));
    return new Snapshot(Optional.empty(), hash, Tenant.Status.ACTIVE, nowNanos);
  }

  private Snapshot loadKey(ApiKeyToken token, long nowNanos) {
    return db.inTenant(token.tenant(), tx -> {
      Optional<ApiKey> key = ApiKeys.find(tx, token.keyId());
      Tenant.Status status = Tenants.find(tx, token.tenant()).map(Tenant::status).orElse(Tenant.Status.SUSPENDED);
      Instant now = clock.instant();
      if (key.isPresent() && key.get().lastUsedAt().map(t -> t.plus(LAST_USED_GRANULARITY).isBefore(now)).orElse(true)) {
        ApiKeys.touch(tx, token.keyId(), now);
      }
      return new Snapshot(key, Optional.empty(), status, nowNanos);
    });
  }

  /** Forgets a cached key at once in this process (revocation by this process). */
  void forget(UUID keyId) {
    cache.remove(keyId);
  }

  /** Forgets every cached key of this process (tenant suspension by this process). */
  void forgetAll() {
    cache.clear();
  }

  static ApiException unauthenticated(String detail) {
    return new ApiException(401, "unauthenticated", detail, Map.of("WWW-Authenticate", "Bearer"));
  }
}
