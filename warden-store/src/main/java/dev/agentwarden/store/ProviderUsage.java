package dev.agentwarden.store;

import dev.agentwarden.core.id.TenantId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * Which agents and which API keys used a model provider in a time range, read from the
 * {@code model.called} events of the tenant's audit chain (which name the provider by id, the
 * agent and the key). Refused calls that got as far as the provider count as calls, not as
 * successes.
 */
public final class ProviderUsage {
  /** One agent or key: how many calls, how many succeeded, first and last call in the range. */
  public record User(String id, Optional<String> name, long calls, long succeeded, Instant firstUsed, Instant lastUsed) {}

  /** The agents and keys that called the provider in {@code [from, to)}, most calls first. */
  public record Report(List<User> agents, List<User> keys) {}

  private static final String RANGE =
      " from audit_events where tenant_id = ? and type = 'model.called' and provider_id = ? and ts >= ? and ts < ?";
  private static final String COUNTS =
      ", count(*) as calls, count(*) filter (where body::jsonb ->> 'outcome' = 'ok') as succeeded,"
          + " min(ts) as first_used, max(ts) as last_used";

  private final Database db;

  public ProviderUsage(Database db) {
    this.db = db;
  }

  /** Reads in the tenant's scope: another tenant's events are invisible (row-level security). */
  public Report of(TenantId tenant, String providerId, Instant from, Instant to) {
    if (!from.isBefore(to)) {
      throw new StoreException("invalid_query", "the range must start before it ends");
    }
    Object[] args = {tenant, providerId, from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC)};
    return db.inTenant(tenant, tx -> new Report(
        tx.query("select agent_id as id, max(body::jsonb ->> 'agent') as name" + COUNTS + RANGE
            + " and agent_id is not null group by agent_id order by calls desc, agent_id", ProviderUsage::user, args),
        tx.query("select body::jsonb ->> 'key_id' as id, null as name" + COUNTS + RANGE
            + " and body::jsonb ->> 'key_id' is not null group by body::jsonb ->> 'key_id' order by calls desc, id",
            ProviderUsage::user, args)));
  }

  private static User user(ResultSet rs) throws SQLException {
    return new User(rs.getString("id"), Optional.ofNullable(rs.getString("name")), rs.getLong("calls"),
        rs.getLong("succeeded"), Tx.requiredInstant(rs, "first_used"), Tx.requiredInstant(rs, "last_used"));
  }
}
