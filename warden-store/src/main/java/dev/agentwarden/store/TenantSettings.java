package dev.agentwarden.store;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * A tenant's own settings. A tenant that never set them has the defaults: content logging off.
 *
 * @param contentLogging whether model calls store their (redacted) prompt and response content
 *     with their audit record
 * @param updatedAt when they were last changed; empty while they are the defaults
 */
public record TenantSettings(boolean contentLogging, Optional<Instant> updatedAt) {
  /** The settings of a tenant that never changed them. */
  public static final TenantSettings DEFAULTS = new TenantSettings(false, Optional.empty());

  /** The settings of the transaction's tenant. */
  public static TenantSettings find(Tx tx) throws SQLException {
    return tx.queryOne("select content_logging, updated_at from tenant_settings",
            rs -> new TenantSettings(rs.getBoolean("content_logging"), Tx.instant(rs, "updated_at")))
        .orElse(DEFAULTS);
  }

  /** Stores the transaction's tenant's settings; returns them as stored. */
  public static TenantSettings put(Tx tx, boolean contentLogging) throws SQLException {
    return tx.queryOne("insert into tenant_settings (tenant_id, content_logging) values (?, ?)"
                + " on conflict (tenant_id) do update set content_logging = excluded.content_logging, updated_at = now()"
                + " returning content_logging, updated_at",
            rs -> new TenantSettings(rs.getBoolean("content_logging"), Tx.instant(rs, "updated_at")),
            tx.tenant(), contentLogging)
        .orElseThrow();
  }
}
