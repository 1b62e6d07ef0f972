package dev.agentwarden.store;

import dev.agentwarden.core.id.TenantId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The tenants table. Listing and writing need the operator scope; row-level security enforces it.
 * The operator's own row (the nil id, which holds the operator's audit chain) is no tenant: it is
 * never listed, found or changed here.
 */
public final class Tenants {
  private static final String COLUMNS = "id, name, status, created_at, updated_at";

  private Tenants() {}

  public static Tenant create(Tx tx, TenantId id, String name) throws SQLException {
    return tx.queryOne(
            "insert into tenants (id, name) values (?, ?) returning " + COLUMNS, Tenants::map, id, name)
        .orElseThrow();
  }

  public static List<Tenant> list(Tx tx, int limit, Optional<TenantId> after) throws SQLException {
    return tx.query(
        "select " + COLUMNS + " from tenants where id <> ? and (?::uuid is null or id > ?::uuid) order by id limit ?",
        Tenants::map, TenantId.OPERATOR, after.map(TenantId::value), after.map(TenantId::value), limit);
  }

  public static Optional<Tenant> find(Tx tx, TenantId id) throws SQLException {
    return tx.queryOne("select " + COLUMNS + " from tenants where id = ? and id <> ?", Tenants::map, id, TenantId.OPERATOR);
  }

  public static Optional<Tenant> setStatus(Tx tx, TenantId id, Tenant.Status status) throws SQLException {
    return tx.queryOne(
        "update tenants set status = ?, updated_at = now() where id = ? and id <> ? returning " + COLUMNS,
        Tenants::map, status, id, TenantId.OPERATOR);
  }

  static Tenant map(ResultSet rs) throws SQLException {
    return new Tenant(
        new TenantId(Tx.uuid(rs, "id")),
        rs.getString("name"),
        Tenant.Status.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
        Tx.requiredInstant(rs, "created_at"),
        Tx.requiredInstant(rs, "updated_at"));
  }
}
