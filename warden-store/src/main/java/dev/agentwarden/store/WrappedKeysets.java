package dev.agentwarden.store;

import dev.agentwarden.core.crypto.WrappedKeyset;
import java.sql.SQLException;
import java.util.Optional;

/** The tenant_keys table: one wrapped data keyset per tenant. */
final class WrappedKeysets {
  private WrappedKeysets() {}

  /** The tenant's keyset, locked for the rest of the transaction when {@code lock} is set. */
  static Optional<WrappedKeyset> find(Tx tx, boolean lock) throws SQLException {
    return tx.queryOne(
        "select kek_id, keyset from tenant_keys where tenant_id = ?" + (lock ? " for update" : ""),
        rs -> WrappedKeyset.of(rs.getString("kek_id"), rs.getBytes("keyset")),
        tx.tenant());
  }

  /** Stores the keyset unless another transaction stored one first; returns the stored one. */
  static WrappedKeyset insertIfAbsent(Tx tx, WrappedKeyset keyset) throws SQLException {
    tx.update(
        "insert into tenant_keys (tenant_id, kek_id, keyset) values (?, ?, ?) on conflict (tenant_id) do nothing",
        tx.tenant(), keyset.kekId(), keyset.ciphertext());
    return find(tx, false).orElseThrow();
  }

  static void replace(Tx tx, WrappedKeyset keyset) throws SQLException {
    tx.update(
        "update tenant_keys set kek_id = ?, keyset = ?, rotated_at = now() where tenant_id = ?",
        keyset.kekId(), keyset.ciphertext(), tx.tenant());
  }

  static boolean delete(Tx tx) throws SQLException {
    return tx.update("delete from tenant_keys where tenant_id = ?", tx.tenant()) == 1;
  }
}
