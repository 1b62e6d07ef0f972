package dev.agentwarden.store;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL server run by the gateway itself, with its data kept in a directory across
 * restarts, for the quick start and for tests. It listens on loopback only.
 */
public final class EmbeddedPostgres implements AutoCloseable {
  static final String DATABASE = "warden";

  private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;

  private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres server) {
    this.server = server;
  }

  /** Starts (and on first use initialises) a server whose data lives in {@code dataDir}. */
  public static EmbeddedPostgres start(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      var server =
          io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
              .setDataDirectory(dataDir.toFile())
              .setCleanDataDirectory(false)
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("unix_socket_directories", "")
              .start();
      EmbeddedPostgres pg = new EmbeddedPostgres(server);
      pg.createDatabaseIfMissing();
      return pg;
    } catch (IOException | SQLException e) {
      throw new StoreException(
          "database_unavailable", "cannot start embedded PostgreSQL in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** Starts a throw-away server in a new temporary directory, deleted on close. */
  public static EmbeddedPostgres startTemporary() {
    try {
      var server =
          io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
              .setCleanDataDirectory(true)
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("unix_socket_directories", "")
              .setServerConfig("fsync", "off")
              .start();
      EmbeddedPostgres pg = new EmbeddedPostgres(server);
      pg.createDatabaseIfMissing();
      return pg;
    } catch (IOException | SQLException e) {
      throw new StoreException("database_unavailable", "cannot start embedded PostgreSQL: " + e.getMessage(), e);
    }
  }

  /** JDBC URL of the gateway's database as the embedded superuser, for migrations only. */
  public String adminUrl() {
    return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + DATABASE + "?user=postgres";
  }

  /** JDBC URL of the maintenance database, to create further databases (tests). */
  public String maintenanceUrl() {
    return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres?user=postgres";
  }

  private void createDatabaseIfMissing() throws SQLException {
    try (Connection c = server.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'")) {
        if (rs.next()) {
          return;
        }
      }
      st.execute("create database " + DATABASE);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new StoreException("database_unavailable", "cannot stop embedded PostgreSQL", e);
    }
  }
}
