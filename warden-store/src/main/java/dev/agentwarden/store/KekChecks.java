package dev.agentwarden.store;

import java.sql.SQLException;
import java.util.List;

/** The kek_checks table (operator scope): which KEKs the installation's keysets depend on. */
final class KekChecks {
  private KekChecks() {}

  record Row(String kekId, byte[] checkBlob) {}

  static List<Row> active(Tx tx) throws SQLException {
    return tx.query(
        "select kek_id, check_blob from kek_checks where retired_at is null order by created_at",
        rs -> new Row(rs.getString(1), rs.getBytes(2)));
  }

  static void insertIfAbsent(Tx tx, String kekId, byte[] checkBlob) throws SQLException {
    tx.update(
        "insert into kek_checks (kek_id, check_blob) values (?, ?)"
            + " on conflict (kek_id) do update set retired_at = null",
        kekId, checkBlob);
  }

  static int retireAllBut(Tx tx, String kekId) throws SQLException {
    return tx.update(
        "update kek_checks set retired_at = now() where kek_id <> ? and retired_at is null", kekId);
  }
}
