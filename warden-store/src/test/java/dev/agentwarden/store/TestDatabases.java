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
  private static final java.util.List<String> CREATED_ON_EXTERNAL = new java.util.ArrayList<>();

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
    String name = "warden_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
    try (Connection c = DriverManager.getConnection(maintenance, new Properties());
        Statement st = c.createStatement()) {
      st.execute("create database " + name);
      if (external()) {
        if (CREATED_ON_EXTERNAL.isEmpty()) {
          Runtime.getRuntime().addShutdownHook(new Thread(TestDatabases::dropExternal, "drop-test-databases"));
        }
        CREATED_ON_EXTERNAL.add(name);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database: " + e.getMessage(), e);
    }
    return withDatabase(maintenance, name);
  }

  /** A shared server outlives the test run: leave it as it was found. */
  private static synchronized void dropExternal() {
    try (Connection c = DriverManager.getConnection(maintenanceUrl(), new Properties());
        Statement st = c.createStatement()) {
      for (String name : CREATED_ON_EXTERNAL) {
        st.execute("drop database if exists " + name + " with (force)");
      }
    } catch (SQLException e) {
      System.err.println("could not drop test databases: " + e.getMessage());
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
