package dev.agentwarden.store;

import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/** Keys of the platform operator; visible only in the operator scope. */
public final class OperatorKeys {
  private OperatorKeys() {}

  /** The stored hash of an unrevoked operator key. */
  public static Optional<byte[]> activeHash(Tx tx, UUID id) throws SQLException {
    return tx.queryOne(
        "select secret_hash from operator_keys where id = ? and revoked_at is null", rs -> rs.getBytes(1), id);
  }

  public static boolean any(Tx tx) throws SQLException {
    return tx.queryOne("select 1 from operator_keys where revoked_at is null limit 1", rs -> true).isPresent();
  }

  public static void insert(Tx tx, UUID id, String name, byte[] secretHash) throws SQLException {
    tx.update("insert into operator_keys (id, name, secret_hash) values (?, ?, ?)", id, name, secretHash);
  }
}
