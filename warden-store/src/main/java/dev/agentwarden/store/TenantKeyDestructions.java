package dev.agentwarden.store;

import dev.agentwarden.core.crypto.TenantKeyId;
import dev.agentwarden.core.id.TenantId;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The tenant_key_destructions table (operator scope): tenant keys whose destruction a committed
 * purge asked for, and whether it happened.
 */
final class TenantKeyDestructions {
  private TenantKeyDestructions() {}

  record Pending(TenantKeyId keyId, TenantId purgedTenant, Optional<String> lastError) {}

  static void request(Tx tx, TenantKeyId id) throws SQLException {
    tx.update("insert into tenant_key_destructions (key_id, purged_tenant) values (?, ?) on conflict (key_id) do nothing",
        id.toString(), id.tenant());
  }

  static List<Pending> pending(Tx tx) throws SQLException {
    record Row(String keyId, TenantId tenant, Optional<String> lastError) {}
    List<Row> rows = tx.query("select key_id, purged_tenant, last_error from tenant_key_destructions"
            + " where destroyed_at is null order by requested_at",
        rs -> new Row(rs.getString("key_id"), new TenantId(Tx.uuid(rs, "purged_tenant")),
            Optional.ofNullable(rs.getString("last_error"))));
    List<Pending> out = new ArrayList<>();
    for (Row r : rows) {
      // A row whose id names another tenant than the one purged is not a purge's: never act on it.
      TenantKeyId.parse(r.keyId()).filter(id -> id.tenant().equals(r.tenant()))
          .ifPresent(id -> out.add(new Pending(id, r.tenant(), r.lastError())));
    }
    return out;
  }

  static void done(Tx tx, TenantKeyId id) throws SQLException {
    tx.update("update tenant_key_destructions set destroyed_at = now(), last_error = null where key_id = ?", id.toString());
  }

  static void failed(Tx tx, TenantKeyId id, String error) throws SQLException {
    tx.update("update tenant_key_destructions set last_error = ? where key_id = ?",
        error.length() > 2000 ? error.substring(0, 2000) : error, id.toString());
  }
}
