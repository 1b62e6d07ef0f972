package dev.agentwarden.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.agentwarden.core.id.TenantId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The only way to run SQL. Every transaction is opened for exactly one tenant: the tenant id is
 * set with {@code set_config('warden.tenant_id', id, true)}, which PostgreSQL discards at commit
 * or rollback, so a pooled connection never carries one tenant's context into the next
 * transaction. Row-level security then confines every statement to that tenant's rows.
 *
 * <p>Connections use the runtime role {@value Migrations#APP_ROLE}, which is neither superuser
 * nor table owner and cannot bypass row-level security.
 */
public final class Database implements AutoCloseable {
  static final String SET_TENANT = "select set_config('warden.tenant_id', ?, true)";

  private final HikariDataSource pool;

  private Database(HikariDataSource pool) {
    this.pool = pool;
  }

  /**
   * Connects the runtime pool to the database named by {@code adminUrl} as the runtime role. The
   * schema must already be migrated ({@link Migrations#apply}).
   */
  public static Database connect(String adminUrl, String appPassword, int maxPoolSize) {
    Properties url = JdbcUrls.parse(adminUrl);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {url.getProperty("PGHOST", "localhost")});
    ds.setPortNumbers(new int[] {Integer.parseInt(url.getProperty("PGPORT", "5432"))});
    ds.setDatabaseName(url.getProperty("PGDBNAME"));
    ds.setUser(Migrations.APP_ROLE);
    ds.setPassword(appPassword);
    ds.setCurrentSchema(Migrations.SCHEMA);
    ds.setApplicationName("agentwarden");
    for (String passthrough : new String[] {"ssl", "sslmode", "sslrootcert"}) {
      if (url.getProperty(passthrough) != null) {
        try {
          ds.setProperty(passthrough, url.getProperty(passthrough));
        } catch (SQLException e) {
          throw new StoreException("invalid_database_url", "bad " + passthrough + " setting", e);
        }
      }
    }
    HikariConfig config = new HikariConfig();
    config.setDataSource(ds);
    config.setPoolName("warden");
    config.setAutoCommit(false);
    config.setMaximumPoolSize(maxPoolSize);
    config.setConnectionTimeout(5_000);
    config.setRegisterMbeans(false);
    try {
      return new Database(new HikariDataSource(config));
    } catch (RuntimeException e) {
      throw new StoreException(
          "database_unavailable", "cannot connect as " + Migrations.APP_ROLE + ": " + rootMessage(e), e);
    }
  }

  /** Runs {@code work} in one transaction scoped to {@code tenant}; commits if it returns. */
  public <T extends @Nullable Object> T inTenant(TenantId tenant, TxCallback<T> work) {
    Objects.requireNonNull(tenant, "tenant");
    return transaction(tenant, work);
  }

  /**
   * Runs {@code work} in the operator's scope: it sees the tenants table and no tenant's data,
   * unless it explicitly {@link Tx#actAs moves} into one tenant.
   */
  public <T extends @Nullable Object> T asOperator(TxCallback<T> work) {
    return transaction(TenantId.OPERATOR, work);
  }

  private <T extends @Nullable Object> T transaction(TenantId tenant, TxCallback<T> work) {
    Tx tx;
    T result;
    try (Connection c = pool.getConnection()) {
      tx = new Tx(c, tenant);
      try {
        // The tenant context goes out with the transaction's first statement (see Tx).
        result = work.run(tx);
      } catch (Throwable e) {
        rollbackQuietly(c, e);
        runHooks(tx.afterRollbackHooks());
        throw e;
      }
      try {
        c.commit();
      } catch (Throwable e) {
        rollbackQuietly(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw translate(e);
    }
    runHooks(tx.afterCommitHooks());
    return result;
  }

  private static void runHooks(java.util.List<Runnable> hooks) {
    for (Runnable hook : hooks) {
      try {
        hook.run();
      } catch (RuntimeException e) {
        // A hook records its own failure (Tx#afterCommit); the transaction's outcome stands.
      }
    }
  }

  static void setTenant(Connection c, TenantId tenant) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(SET_TENANT)) {
      st.setString(1, tenant.value().toString());
      st.execute();
    }
  }

  private static void rollbackQuietly(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  static StoreException translate(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (state.equals("23505")) {
      String constraint = e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
          ? p.getServerErrorMessage().getConstraint() : "unknown";
      return new ConflictException(constraint == null ? "unknown" : constraint, e);
    }
    if (state.startsWith("08") || state.equals("57P01") || state.equals("53300")) {
      return new StoreException("database_unavailable", "database unavailable (" + state + ")", e);
    }
    if (state.equals("42501")) {
      return new StoreException("permission_denied", "database refused the statement (" + state + ")", e);
    }
    return new StoreException("database_error", "database error (SQLSTATE " + state + ")", e);
  }

  /**
   * The tenant setting a pooled connection carries between transactions; tests use it to prove
   * that none survives a commit or rollback.
   */
  String unscopedSetting() throws SQLException {
    try (Connection c = pool.getConnection();
        var rs = c.createStatement().executeQuery("select current_setting('warden.tenant_id', true)")) {
      rs.next();
      String value = rs.getString(1);
      c.rollback();
      return value;
    }
  }

  /** True when a connection can be had and answers. */
  public boolean ping() {
    try (Connection c = pool.getConnection()) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  /** Pool use, for metrics. */
  public PoolStats poolStats() {
    HikariPoolMXBean bean = pool.getHikariPoolMXBean();
    if (bean == null) {
      return new PoolStats(0, 0, 0, pool.getMaximumPoolSize());
    }
    return new PoolStats(
        bean.getActiveConnections(), bean.getIdleConnections(), bean.getThreadsAwaitingConnection(),
        pool.getMaximumPoolSize());
  }

  /** Connection-pool figures at one instant. */
  public record PoolStats(int active, int idle, int waiting, int max) {}

  @Override
  public void close() {
    pool.close();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return Objects.requireNonNullElse(t.getMessage(), t.getClass().getName());
  }
}
