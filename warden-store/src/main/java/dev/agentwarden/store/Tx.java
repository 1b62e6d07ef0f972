package dev.agentwarden.store;

import dev.agentwarden.core.id.TenantId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One open transaction of one tenant. It exists only inside a {@link TxCallback}; the connection
 * never escapes it.
 *
 * <p>The tenant context ({@code set_config('warden.tenant_id', id, true)}) is sent in the same
 * round trip as the transaction's first statement, ahead of it: PostgreSQL runs the two in order
 * and stops at the first error, so no statement of a transaction ever runs without its tenant,
 * and a transaction costs one round trip less.
 */
public final class Tx {
  private final Connection connection;
  private TenantId tenant;
  private final boolean operator;
  /** True until the tenant context has been sent. */
  private boolean tenantPending = true;
  private final List<Runnable> afterCommit = new ArrayList<>();
  private final List<Runnable> afterRollback = new ArrayList<>();

  Tx(Connection connection, TenantId tenant) {
    this.connection = connection;
    this.tenant = tenant;
    this.operator = tenant.isOperator();
  }

  /** The connection, for batched statements inside this package; it never leaves the package. */
  Connection connection() throws SQLException {
    sendTenant();
    return connection;
  }

  private void sendTenant() throws SQLException {
    if (tenantPending) {
      Database.setTenant(connection, tenant);
      tenantPending = false;
    }
  }

  /**
   * Work outside the database that may happen only once this transaction's rows are durable
   * (destroying a tenant key after the purge that records it committed). It runs after the
   * connection is back in the pool, must not throw, and must be safe to lose in a crash: what it
   * does is recorded in a row of the same transaction and finished at the next start.
   */
  void afterCommit(Runnable hook) {
    afterCommit.add(hook);
  }

  /**
   * Work that undoes something outside the database when this transaction is rolled back before
   * it tried to commit (a tenant key created for a keyset that was never stored). Not run when
   * the commit itself fails: the rows may have been stored after all.
   */
  void afterRollback(Runnable hook) {
    afterRollback.add(hook);
  }

  List<Runnable> afterCommitHooks() {
    return afterCommit;
  }

  List<Runnable> afterRollbackHooks() {
    return afterRollback;
  }

  /** The tenant whose rows this transaction can see. */
  public TenantId tenant() {
    return tenant;
  }

  /**
   * Moves an operator transaction into one tenant's scope, for work that must create a tenant
   * and its first rows atomically. Tenant transactions can never switch.
   */
  public void actAs(TenantId target) throws SQLException {
    if (!operator) {
      throw new IllegalStateException("only operator transactions may change tenant scope");
    }
    Database.setTenant(connection, target);
    this.tenant = target;
    this.tenantPending = false;
  }

  /** Runs an INSERT/UPDATE/DELETE; returns the number of rows touched. */
  public int update(String sql, Object... args) throws SQLException {
    return updateAll(List.of(Update.of(sql, args)))[0];
  }

  /** One INSERT/UPDATE/DELETE for {@link #updateAll}. */
  public record Update(String sql, List<@Nullable Object> args) {
    public Update {
      java.util.Objects.requireNonNull(sql, "sql");
      args = java.util.Collections.unmodifiableList(new ArrayList<>(args));
    }

    public static Update of(String sql, @Nullable Object... args) {
      return new Update(sql, java.util.Arrays.asList(args));
    }
  }

  /**
   * Runs {@code updates} in order in one round trip to the database (each a statement of its
   * own, so each sees what the ones before it wrote); returns the number of rows each touched.
   * The first failure stops the rest and fails the transaction.
   */
  public int[] updateAll(List<Update> updates) throws SQLException {
    if (updates.isEmpty()) {
      return new int[0];
    }
    boolean withTenant = tenantPending;
    StringBuilder sql = new StringBuilder();
    List<@Nullable Object> args = new ArrayList<>();
    for (int i = 0; i < updates.size(); i++) {
      sql.append(i == 0 ? "" : ";\n").append(updates.get(i).sql());
      args.addAll(updates.get(i).args());
    }
    try (PreparedStatement st = prepare(sql.toString(), withTenant, args.toArray())) {
      boolean rows = st.execute();
      if (withTenant) {
        tenantPending = false;
        rows = st.getMoreResults();
      }
      int[] counts = new int[updates.size()];
      for (int i = 0; i < counts.length; i++) {
        if (rows) {
          throw new StoreException("internal", "an update statement returned rows");
        }
        counts[i] = st.getUpdateCount();
        rows = st.getMoreResults();
      }
      return counts;
    }
  }

  public <T extends @Nullable Object> List<T> query(String sql, RowMapper<T> mapper, Object... args) throws SQLException {
    boolean withTenant = tenantPending;
    try (PreparedStatement st = prepare(sql, withTenant, args);
        ResultSet rs = execute(st, withTenant)) {
      List<T> out = new ArrayList<>();
      while (rs.next()) {
        out.add(mapper.map(rs));
      }
      return out;
    }
  }

  public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... args)
      throws SQLException {
    boolean withTenant = tenantPending;
    try (PreparedStatement st = prepare(sql, withTenant, args);
        ResultSet rs = execute(st, withTenant)) {
      if (!rs.next()) {
        return Optional.empty();
      }
      T value = mapper.map(rs);
      if (rs.next()) {
        throw new StoreException("internal", "query returned more than one row");
      }
      return Optional.of(value);
    }
  }

  /** For streaming large results: the mapper sees each row, nothing is collected. */
  public void forEach(String sql, int fetchSize, RowMapper<@Nullable Void> consumer, Object... args)
      throws SQLException {
    // The driver reads a result in pages only for a single statement, so the tenant goes first.
    sendTenant();
    try (PreparedStatement st = prepare(sql, false, args)) {
      st.setFetchSize(fetchSize);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          consumer.map(rs);
        }
      }
    }
  }

  /** The statement's result; with the tenant ahead of it, the result after the tenant's. */
  private ResultSet execute(PreparedStatement st, boolean withTenant) throws SQLException {
    if (!withTenant) {
      return st.executeQuery();
    }
    st.execute();
    tenantPending = false;
    if (!st.getMoreResults()) {
      throw new StoreException("internal", "a query returned no rows");
    }
    return st.getResultSet();
  }

  private PreparedStatement prepare(String sql, boolean withTenant, Object... args) throws SQLException {
    PreparedStatement st = connection.prepareStatement(withTenant ? Database.SET_TENANT + ";\n" + sql : sql);
    try {
      int first = 1;
      if (withTenant) {
        st.setString(first++, tenant.value().toString());
      }
      for (int i = 0; i < args.length; i++) {
        bind(st, first + i, args[i]);
      }
      return st;
    } catch (SQLException | RuntimeException e) {
      st.close();
      throw e;
    }
  }

  private static void bind(PreparedStatement st, int index, @Nullable Object arg) throws SQLException {
    Object value = arg instanceof Optional<?> opt ? opt.orElse(null) : arg;
    switch (value) {
      case null -> st.setNull(index, Types.NULL);
      case Instant instant -> st.setObject(index, instant.atOffset(ZoneOffset.UTC));
      case TenantId id -> st.setObject(index, id.value());
      case Enum<?> e -> st.setString(index, e.name().toLowerCase(java.util.Locale.ROOT));
      default -> st.setObject(index, value);
    }
  }

  /** Reads a nullable timestamptz column. */
  public static Optional<Instant> instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? Optional.empty() : Optional.of(t.toInstant());
  }

  /** Reads a non-null timestamptz column. */
  public static Instant requiredInstant(ResultSet rs, String column) throws SQLException {
    return instant(rs, column)
        .orElseThrow(() -> new StoreException("internal", "column " + column + " is null"));
  }

  public static UUID uuid(ResultSet rs, String column) throws SQLException {
    return rs.getObject(column, UUID.class);
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.from(instant);
  }
}
