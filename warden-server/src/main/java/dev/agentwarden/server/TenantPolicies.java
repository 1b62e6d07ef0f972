package dev.agentwarden.server;

import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.policy.Policy;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.Policies;
import dev.agentwarden.store.StoredPolicy;
import dev.agentwarden.store.Tx;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tenant's stored policies, compiled. The newest version is read on every call (so a new
 * version applies at once, in every gateway process); compiling is cached by the document's
 * SHA-256, which names the text exactly.
 */
final class TenantPolicies {
  /** The policy that governs a tenant's outbound requests and its own upstreams. */
  static final String DEFAULT = "default";

  private static final int MAX_CACHED = 1_000;

  /** A stored version with its compiled form. */
  record Loaded(StoredPolicy stored, Policy policy) {}

  private final Database db;
  private final ConcurrentHashMap<String, Policy> compiled = new ConcurrentHashMap<>();

  TenantPolicies(Database db) {
    this.db = db;
  }

  /** The newest version of the tenant's policy {@code name}, compiled. */
  Optional<Loaded> latest(TenantId tenant, String name) {
    return db.inTenant(tenant, tx -> Policies.latest(tx, name)).map(this::compile);
  }

  /**
   * The network section of the tenant's {@code default} policy; deny-all when the tenant has
   * none, so an upstream is reachable only once a policy allows it.
   */
  NetworkPolicy defaultNetwork(TenantId tenant) {
    return latest(tenant, DEFAULT).map(l -> l.policy().network()).orElseGet(NetworkPolicy::denyAll);
  }

  /**
   * As {@link #defaultNetwork(TenantId)}, inside the caller's transaction, for a caller that
   * already read the SHA-256 of the newest {@code default} version: a document compiled before
   * is not read again.
   */
  NetworkPolicy defaultNetwork(Tx tx, Optional<String> newestSha256) throws SQLException {
    if (newestSha256.isEmpty()) {
      return NetworkPolicy.denyAll();
    }
    Policy known = compiled.get(newestSha256.get());
    if (known != null) {
      return known.network();
    }
    return Policies.latest(tx, DEFAULT).map(s -> compiled(s).network()).orElseGet(NetworkPolicy::denyAll);
  }

  /** The compiled form of a stored version. */
  Policy compiled(StoredPolicy stored) {
    if (compiled.size() >= MAX_CACHED) {
      compiled.clear();
    }
    return compiled.computeIfAbsent(stored.sha256(), k -> Policy.parse(stored.document()));
  }

  private Loaded compile(StoredPolicy stored) {
    return new Loaded(stored, compiled(stored));
  }
}
