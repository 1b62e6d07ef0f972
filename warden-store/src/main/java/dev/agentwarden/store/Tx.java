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
 * One open transaction whose tenant context is already set. It exists only inside a
 * {@link TxCallback}; the connection never escapes it.
 */
public final class Tx {
  private final Connection connection;
  private TenantId tenant;
  private final boolean operator;

  Tx(Connection connection, TenantId tenant) {
    this.connection = connection;
    this.tenant = tenant;
    this.operator = tenant.isOperator();
  }

  /** The connection, for batched statements inside this package; it never leaves the package. */
  Connection connection() {
    return connection;
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
  }

  /** Runs an INSERT/UPDATE/DELETE; returns the number of rows touched. */
  public int update(String sql, Object... args) throws SQLException {
    try (PreparedStatement st = prepare(sql, args)) {
      return st.executeUpdate();
    }
  }

  public <T extends @Nullable Object> List<T> query(String sql, RowMapper<T> mapper, Object... args) throws SQLException {
    try (PreparedStatement st = prepare(sql, args);
        ResultSet rs = st.executeQuery()) {
      List<T> out = new ArrayList<>();
      while (rs.next()) {
        out.add(mapper.map(rs));
      }
      return out;
    }
  }

  public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... args)
      throws SQLException {
    try (PreparedStatement st = prepare(sql, args);
        ResultSet rs = st.executeQuery()) {
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
    try (PreparedStatement st = prepare(sql, args)) {
      st.setFetchSize(fetchSize);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          consumer.map(rs);
        }
      }
    }
  }

  private PreparedStatement prepare(String sql, Object... args) throws SQLException {
    PreparedStatement st = connection.prepareStatement(sql);
    try {
      for (int i = 0; i < args.length; i++) {
        bind(st, i + 1, args[i]);
      }
      return st;
    } catch (SQLException | RuntimeException e) {
      st.close();
      throw e;
    }
  }

  private static void bind(PreparedStatement st, int index, Object arg) throws SQLException {
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
