package dev.agentwarden.store;

import java.sql.SQLException;
import java.util.Optional;

/** Installation-wide facts that are not tenant data. */
public final class Settings {
  private Settings() {}

  public static Optional<byte[]> get(Tx tx, String name) throws SQLException {
    return tx.queryOne("select value from settings where name = ?", rs -> rs.getBytes(1), name);
  }

  /** Stores {@code value} unless the setting exists; returns the value now stored. */
  public static byte[] putIfAbsent(Tx tx, String name, byte[] value) throws SQLException {
    tx.update("insert into settings (name, value) values (?, ?) on conflict (name) do nothing", name, value);
    return get(tx, name).orElseThrow();
  }
}
