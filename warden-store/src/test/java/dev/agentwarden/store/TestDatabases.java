package dev.agentwarden.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;

/**
 * Fresh, migrated databases for tests: on the PostgreSQL server named by
 * {@code WARDEN_TEST_DATABASE_URL} when set (CI runs the suite against 127.0.0.1:5432 that
 * way), otherwise on one embedded server shared by the test JVM. Each call creates a new
 * database, so tests never see each other's rows.
 */
public final class TestDatabases {
  /** The runtime role's password in tests; trust-authenticated servers ignore it. */
  public static final String APP_PASSWORD = "test-app-password-not-secret";

  private static EmbeddedPostgres embedded;
  private static boolean sweptExternal;

  private TestDatabases() {}

  /** A migrated database; returns its administrative JDBC URL. */
  public static synchronized String createMigrated() {
    String url = createEmpty();
    Migrations.apply(url, APP_PASSWORD);
    return url;
  }

  /** A new empty database; returns its administrative JDBC URL. */
  public static synchronized String createEmpty() {
    String maintenance = maintenanceUrl();
    String name = "warden_test_" + System.currentTimeMillis() / 1000 + "_"
        + UUID.randomUUID().toString().replace("-", "").substring(0, 8).toLowerCase(Locale.ROOT);
    try (Connection c = DriverManager.getConnection(maintenance, new Properties());
        Statement st = c.createStatement()) {
      if (external() && !sweptExternal) {
        sweptExternal = true;
        sweepOldDatabases(st);
      }
      st.execute("create database " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database: " + e.getMessage(), e);
    }
    return withDatabase(maintenance, name);
  }

  /**
   * A shared server outlives test runs: databases of runs that started more than two hours ago
   * (their name carries the creation time) are dropped, so the server does not fill up while
   * concurrent runs keep theirs.
   */
  private static void sweepOldDatabases(Statement st) throws SQLException {
    long cutoff = System.currentTimeMillis() / 1000 - 2 * 3600;
    java.util.List<String> old = new java.util.ArrayList<>();
    try (var rs = st.executeQuery("select datname from pg_database where datname ~ '^warden_test_[0-9]+_[0-9a-f]+$'")) {
      while (rs.next()) {
        String name = rs.getString(1);
        if (Long.parseLong(name.split("_")[2]) < cutoff) {
          old.add(name);
        }
      }
    }
    for (String name : old) {
      st.execute("drop database if exists " + name + " with (force)");
    }
  }

  /** Connects the runtime pool to a database made by {@link #createMigrated}. */
  public static Database connect(String adminUrl, int poolSize) {
    return Database.connect(adminUrl, APP_PASSWORD, poolSize);
  }

  /** True when the suite runs against an external server rather than the embedded one. */
  public static boolean external() {
    String url = System.getenv("WARDEN_TEST_DATABASE_URL");
    return url != null && !url.isBlank();
  }

  private static String maintenanceUrl() {
    if (external()) {
      return System.getenv("WARDEN_TEST_DATABASE_URL");
    }
    if (embedded == null) {
      embedded = EmbeddedPostgres.startTemporary();
    }
    return embedded.maintenanceUrl();
  }

  static String withDatabase(String url, String database) {
    Properties p = JdbcUrls.parse(url);
    int q = url.indexOf('?');
    String query = q < 0 ? "" : url.substring(q);
    return "jdbc:postgresql://" + p.getProperty("PGHOST") + ":" + p.getProperty("PGPORT") + "/" + database + query;
  }
}
