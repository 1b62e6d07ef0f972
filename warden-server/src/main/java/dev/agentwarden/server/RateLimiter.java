package dev.agentwarden.server;

import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.RateBuckets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token-bucket limits per key and per tenant, shared by every gateway process on the database.
 * Each process leases a small batch of tokens from the database bucket and spends it locally;
 * a lease lapses after one second, so at most one batch per process can be spent above the
 * shared allowance, and idle leases return nothing (they only ever make limits stricter).
 */
final class RateLimiter {
  private static final long LEASE_NANOS = 1_000_000_000L;

  /** Refill rate and burst capacity of one bucket kind. */
  record Limit(double perSecond, double burst) {
    Limit {
      if (!(perSecond > 0) || !(burst >= 1)) {
        throw new IllegalArgumentException("rate limit needs rate > 0 and burst >= 1, got " + perSecond + "/" + burst);
      }
    }

    int batch() {
      return (int) Math.max(1, Math.min(1000, Math.floor(Math.min(burst, perSecond) / 20)));
    }
  }

  /** What the caller may be told about the bucket that decided. */
  record Verdict(boolean allowed, Limit limit, long remaining, long retryAfterSeconds) {
    Map<String, String> headers() {
      Map<String, String> h = new LinkedHashMap<>();
      h.put("RateLimit-Limit", Long.toString((long) limit.burst()));
      h.put("RateLimit-Remaining", Long.toString(Math.max(0, remaining)));
      h.put("RateLimit-Reset", Long.toString(Math.max(1, (long) Math.ceil((limit.burst() - remaining) / limit.perSecond()))));
      if (!allowed) {
        h.put("Retry-After", Long.toString(retryAfterSeconds));
      }
      return h;
    }
  }

  private static final class Lease {
    int tokens;
    long expiresNanos;
    double lastAvailable;
  }

  private record LeaseKey(TenantId tenant, String bucket) {}

  private final Database db;
  private final Limit perKey;
  private final Limit perTenant;
  private final ConcurrentHashMap<LeaseKey, Lease> leases = new ConcurrentHashMap<>();

  RateLimiter(Database db, Limit perKey, Limit perTenant) {
    this.db = db;
    this.perKey = perKey;
    this.perTenant = perTenant;
  }

  /** Spends one token from the key's bucket and one from the tenant's; the first to refuse wins. */
  Verdict acquire(Principal p) {
    Verdict key = take(p.tenant(), "key:" + p.keyId(), perKey);
    if (!key.allowed() || p.isOperator()) {
      return key;
    }
    Verdict tenant = take(p.tenant(), "tenant", perTenant);
    return tenant.allowed() && key.remaining() < tenant.remaining() ? key : tenant;
  }

  private Verdict take(TenantId tenant, String bucket, Limit limit) {
    Lease lease = leases.computeIfAbsent(new LeaseKey(tenant, bucket), k -> new Lease());
    synchronized (lease) {
      long now = System.nanoTime();
      if (lease.tokens > 0 && now < lease.expiresNanos) {
        lease.tokens--;
        return new Verdict(true, limit, (long) lease.lastAvailable + lease.tokens, 0);
      }
      RateBuckets.Lease granted = db.inTenant(tenant, tx -> RateBuckets.take(tx, bucket, limit.batch(), limit.perSecond(), limit.burst()));
      if (granted.granted() == 0) {
        lease.tokens = 0;
        long retry = Math.max(1, (long) Math.ceil((1 - granted.available()) / limit.perSecond()));
        return new Verdict(false, limit, 0, retry);
      }
      lease.tokens = granted.granted() - 1;
      lease.expiresNanos = now + LEASE_NANOS;
      lease.lastAvailable = granted.available() - granted.granted();
      return new Verdict(true, limit, (long) lease.lastAvailable + lease.tokens, 0);
    }
  }
}
