package dev.agentwarden.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;

/**
 * Brings a database to the current schema. It runs with the operator-supplied (administrative)
 * credentials, creates the two roles the gateway relies on, and applies the Flyway migrations
 * as the owner role, so that the runtime role owns nothing:
 *
 * <ul>
 *   <li>{@value #OWNER_ROLE}: owns the schema and every table; cannot log in.
 *   <li>{@value #APP_ROLE}: the role the gateway connects as; not superuser, not owner, no
 *       BYPASSRLS, only the grants each migration gives it.
 * </ul>
 */
public final class Migrations {
  public static final String OWNER_ROLE = "warden_owner";
  public static final String APP_ROLE = "warden_app";
  public static final String SCHEMA = "warden";

  private Migrations() {}

  /**
   * Creates or updates the roles and applies pending migrations. {@code appPassword} becomes the
   * runtime role's password (servers with trust authentication ignore it).
   */
  public static void apply(String adminUrl, String appPassword) {
    JdbcUrls.parse(adminUrl);
    bootstrapRoles(adminUrl, appPassword);
    try {
      Flyway.configure(Migrations.class.getClassLoader())
          .dataSource(new OwnerDataSource(adminUrl))
          .schemas(SCHEMA)
          .createSchemas(false)
          .locations("classpath:db/migration")
          .placeholders(java.util.Map.of("app_role", APP_ROLE, "owner_role", OWNER_ROLE))
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new StoreException("migration_failed", "database migration failed: " + e.getMessage(), e);
    }
  }

  /** True when no migration is pending; {@code /readyz} uses it. */
  public static boolean current(String adminUrl) {
    try {
      Flyway flyway =
          Flyway.configure(Migrations.class.getClassLoader())
              .dataSource(new OwnerDataSource(adminUrl))
              .schemas(SCHEMA)
              .createSchemas(false)
              .load();
      MigrationInfo[] pending = flyway.info().pending();
      return pending.length == 0;
    } catch (FlywayException e) {
      return false;
    }
  }

  /**
   * Reads an installation setting with the administrative credentials, before anything is
   * changed; empty when the setting or the schema does not exist yet.
   */
  public static java.util.Optional<byte[]> readSetting(String adminUrl, String name) {
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        java.sql.PreparedStatement st = c.prepareStatement(
            "select value from " + SCHEMA + ".settings where name = ?")) {
      if (!exists(c)) {
        return java.util.Optional.empty();
      }
      st.setString(1, name);
      try (java.sql.ResultSet rs = st.executeQuery()) {
        return rs.next() ? java.util.Optional.of(rs.getBytes(1)) : java.util.Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("database_unavailable", "cannot read installation settings: " + e.getMessage(), e);
    }
  }

  private static boolean exists(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("select to_regclass('" + SCHEMA + ".settings') is not null")) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  private static void bootstrapRoles(String adminUrl, String appPassword) {
    SQLException last = null;
    // Roles are cluster-wide; two installations migrating at once may race to create them.
    for (int attempt = 0; attempt < 5; attempt++) {
      try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
          Statement st = c.createStatement()) {
        st.execute(
            """
            do $$ begin
              if not exists (select 1 from pg_roles where rolname = '%1$s') then
                create role %1$s nologin nosuperuser nobypassrls nocreatedb nocreaterole;
              end if;
              if not exists (select 1 from pg_roles where rolname = '%2$s') then
                create role %2$s login nosuperuser nobypassrls nocreatedb nocreaterole noinherit;
              end if;
            exception when duplicate_object or unique_violation then null;
            end $$"""
                .formatted(OWNER_ROLE, APP_ROLE));
        st.execute(
            "alter role " + APP_ROLE + " with login nosuperuser nobypassrls password '"
                + appPassword.replace("'", "''") + "'");
        st.execute("grant " + OWNER_ROLE + " to current_user");
        st.execute("create schema if not exists " + SCHEMA + " authorization " + OWNER_ROLE);
        st.execute("grant usage on schema " + SCHEMA + " to " + APP_ROLE);
        st.execute("revoke create on schema " + SCHEMA + " from " + APP_ROLE);
        st.execute("grant connect on database \"" + c.getCatalog().replace("\"", "\"\"") + "\" to " + APP_ROLE);
        return;
      } catch (SQLException e) {
        last = e;
        if (!"XX000".equals(e.getSQLState()) && !"40001".equals(e.getSQLState())
            && !"23505".equals(e.getSQLState()) && !"42710".equals(e.getSQLState())) {
          break;
        }
      }
    }
    throw new StoreException(
        "migration_failed",
        "cannot prepare database roles (the database URL's user needs CREATEROLE or superuser): "
            + (last == null ? "unknown" : last.getMessage()),
        last);
  }
}
