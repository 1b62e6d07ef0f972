package dev.agentwarden.store;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * What a model call re-reads at admission, in one round trip, so that the gateway may cache the
 * agent and provider rows and still act on every change at once, in every gateway process: the
 * versions ({@code updated_at}) of the agent acting through the key and of its provider, whether
 * that agent and that provider are enabled (the incident switches are read on every call, never
 * from a cache, so they do not depend on a version changing), the
 * SHA-256 of the newest version of the tenant's {@code default} policy, the tenant's budget, and
 * whether the tenant turned content logging on, and whether there is trust evidence against the
 * provider (only then can its score be below the tenant's threshold).
 *
 * @param providerId empty when the agent names no provider or no provider of that name exists
 */
public record ModelCallState(
    UUID agentId,
    Instant agentUpdatedAt,
    boolean agentEnabled,
    Optional<UUID> providerId,
    Optional<Instant> providerUpdatedAt,
    boolean providerEnabled,
    Optional<String> defaultPolicySha256,
    ModelBudgets.Budget tenantBudget,
    boolean contentLogging,
    boolean providerHasTrustEvidence) {

  /** The state for the agent linked to {@code keyId}; empty when no agent is linked to it. */
  public static Optional<ModelCallState> read(Tx tx, UUID keyId, String defaultPolicy, Instant evidenceSince)
      throws SQLException {
    return tx.queryOne(
        "select a.id as agent_id, a.updated_at as agent_at, a.enabled as agent_enabled, p.id as provider_id, p.updated_at as provider_at,"
            + " coalesce(p.enabled, false) as provider_enabled,"
            + " (select sha256 from policies where name = ? order by version desc limit 1) as policy_sha,"
            + " b.requests_per_minute, b.tokens_per_day, b.spend_per_month_micros,"
            + " coalesce(s.content_logging, false) as content_logging,"
            // Only a provider with evidence against it can score below a threshold: the score
            // itself is computed only then.
            + " exists (select 1 from trust_evidence e where e.subject_kind = 'provider' and e.subject = a.provider"
            + " and e.at >= ?) as provider_evidence"
            + " from agents a left join providers p on p.name = a.provider"
            + " left join model_budgets b on b.scope = '" + ModelBudgets.TENANT + "'"
            + " left join tenant_settings s on true"
            + " where a.key_id = ?",
        rs -> new ModelCallState(
            Tx.uuid(rs, "agent_id"),
            Tx.requiredInstant(rs, "agent_at"),
            rs.getBoolean("agent_enabled"),
            Optional.ofNullable(Tx.uuid(rs, "provider_id")),
            Tx.instant(rs, "provider_at"),
            rs.getBoolean("provider_enabled"),
            Optional.ofNullable(rs.getString("policy_sha")),
            new ModelBudgets.Budget(ModelBudgets.TENANT, optLong(rs, "requests_per_minute"),
                optLong(rs, "tokens_per_day"), optLong(rs, "spend_per_month_micros")),
            rs.getBoolean("content_logging"),
            rs.getBoolean("provider_evidence")),
        defaultPolicy, evidenceSince, keyId);
  }

  private static OptionalLong optLong(java.sql.ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(v);
  }
}
