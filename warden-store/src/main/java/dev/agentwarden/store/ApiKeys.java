package dev.agentwarden.store;

import dev.agentwarden.core.auth.Role;
import dev.agentwarden.core.id.TenantId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The api_keys table, always inside one tenant's scope. */
public final class ApiKeys {
  private static final String COLUMNS =
      "id, tenant_id, name, role, prefix, secret_hash, previous_secret_hash, previous_valid_until,"
          + " created_at, rotated_at, last_used_at, expires_at, revoked_at";

  private ApiKeys() {}

  public static ApiKey insert(
      Tx tx, UUID id, String name, Role role, String prefix, byte[] secretHash, Optional<Instant> expiresAt)
      throws SQLException {
    return tx.queryOne(
            "insert into api_keys (id, tenant_id, name, role, prefix, secret_hash, expires_at)"
                + " values (?, ?, ?, ?, ?, ?, ?) returning " + COLUMNS,
            ApiKeys::map, id, tx.tenant(), name, role, prefix, secretHash, expiresAt)
        .orElseThrow();
  }

  public static List<ApiKey> list(Tx tx) throws SQLException {
    return tx.query("select " + COLUMNS + " from api_keys order by created_at, id", ApiKeys::map);
  }

  public static Optional<ApiKey> find(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("select " + COLUMNS + " from api_keys where id = ?", ApiKeys::map, id);
  }

  /** Replaces the secret; the old one stays valid until {@code previousValidUntil}. */
  public static Optional<ApiKey> rotate(Tx tx, UUID id, byte[] newHash, Instant previousValidUntil)
      throws SQLException {
    return tx.queryOne(
        "update api_keys set previous_secret_hash = secret_hash, previous_valid_until = ?,"
            + " secret_hash = ?, rotated_at = now() where id = ? and revoked_at is null returning " + COLUMNS,
        ApiKeys::map, previousValidUntil, newHash, id);
  }

  public static Optional<ApiKey> revoke(Tx tx, UUID id) throws SQLException {
    return tx.queryOne(
        "update api_keys set revoked_at = coalesce(revoked_at, now()) where id = ? returning " + COLUMNS,
        ApiKeys::map, id);
  }

  public static void touch(Tx tx, UUID id, Instant at) throws SQLException {
    tx.update("update api_keys set last_used_at = ? where id = ?", at, id);
  }

  static ApiKey map(ResultSet rs) throws SQLException {
    return new ApiKey(
        Tx.uuid(rs, "id"),
        new TenantId(Tx.uuid(rs, "tenant_id")),
        rs.getString("name"),
        Role.fromWire(rs.getString("role")),
        rs.getString("prefix"),
        rs.getBytes("secret_hash"),
        Optional.ofNullable(rs.getBytes("previous_secret_hash")),
        Tx.instant(rs, "previous_valid_until"),
        Tx.requiredInstant(rs, "created_at"),
        Tx.instant(rs, "rotated_at"),
        Tx.instant(rs, "last_used_at"),
        Tx.instant(rs, "expires_at"),
        Tx.instant(rs, "revoked_at"));
  }
}
