package dev.agentwarden.store;

import dev.agentwarden.core.id.TenantId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Budgets of the model proxy and the usage counted against them, per scope: the whole tenant or
 * one agent. Periods are UTC: the current minute (requests), day (tokens) and month (spend).
 *
 * <p>{@link #admit} counts the request and refuses it in the same transaction when a limit is
 * reached, so concurrent calls of all gateway processes cannot pass a request limit together;
 * tokens and spend are added by {@link #recording} when the call ends, so one call in flight can
 * overshoot a token or spend limit by its own size.
 */
public final class ModelBudgets {
  private ModelBudgets() {}

  /** The scope of a whole tenant. */
  public static final String TENANT = "tenant";

  /** The scope of one agent. */
  public static String agent(UUID agentId) {
    return "agent:" + agentId;
  }

  /** Limits of one scope; empty is unlimited. */
  public record Budget(String scope, OptionalLong requestsPerMinute, OptionalLong tokensPerDay,
      OptionalLong spendPerMonthMicros) {
    public static Budget unlimited(String scope) {
      return new Budget(scope, OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());
    }
  }

  /** Usage of one scope in the periods containing {@code at}. */
  public record Usage(String scope, long requestsThisMinute, long requestsToday, long tokensToday,
      long spendThisMonthMicros) {}

  /** Which limit refused a request. */
  public record Exhausted(String scope, String limit, long value, Instant resetsAt) {}

  public static void put(Tx tx, Budget b) throws SQLException {
    tx.update("insert into model_budgets (tenant_id, scope, requests_per_minute, tokens_per_day, spend_per_month_micros)"
            + " values (?, ?, ?, ?, ?) on conflict (tenant_id, scope) do update set requests_per_minute ="
            + " excluded.requests_per_minute, tokens_per_day = excluded.tokens_per_day, spend_per_month_micros ="
            + " excluded.spend_per_month_micros, updated_at = now()",
        tx.tenant(), b.scope(), opt(b.requestsPerMinute()), opt(b.tokensPerDay()), opt(b.spendPerMonthMicros()));
  }

  public static List<Budget> list(Tx tx) throws SQLException {
    return tx.query("select * from model_budgets order by scope", ModelBudgets::map);
  }

  public static Budget find(Tx tx, String scope) throws SQLException {
    return tx.queryOne("select * from model_budgets where scope = ?", ModelBudgets::map, scope)
        .orElse(Budget.unlimited(scope));
  }

  /**
   * Counts one request against each budget's scope, unless a limit is reached: then the limit
   * is named and the caller must let the transaction roll back, so nothing is counted. One round
   * trip: every counter of every scope is incremented by one statement that returns the new
   * totals, and the limits are checked on those (tenant first, then the agent; per scope tokens,
   * then spend, then requests).
   */
  public static Optional<Exhausted> admit(Tx tx, List<Budget> budgets, Instant at) throws SQLException {
    if (budgets.isEmpty()) {
      return Optional.empty();
    }
    List<Object> args = new ArrayList<>();
    StringBuilder values = new StringBuilder();
    for (Budget b : budgets) {
      for (Object[] period : periods(at)) {
        values.append(values.isEmpty() ? "" : ", ").append("(?, ?, ?, ?, 1, 0, 0)");
        args.addAll(List.of(tx.tenant(), b.scope(), period[0], period[1]));
      }
    }
    Map<String, long[]> totals = new HashMap<>();
    for (Map.Entry<String, long[]> row : tx.query(
        "insert into model_usage (tenant_id, scope, period, period_start, requests, tokens, spend_micros)"
            + " values " + values + CONFLICT + " returning scope, period, requests, tokens, spend_micros",
        rs -> Map.entry(rs.getString("scope") + "/" + rs.getString("period"),
            new long[] {rs.getLong("requests"), rs.getLong("tokens"), rs.getLong("spend_micros")}),
        args.toArray())) {
      totals.put(row.getKey(), row.getValue());
    }
    for (Budget b : budgets) {
      String scope = b.scope();
      long[] minute = Objects.requireNonNull(totals.get(scope + "/minute"), "the upsert returns every period");
      long[] day = Objects.requireNonNull(totals.get(scope + "/day"), "the upsert returns every period");
      long[] month = Objects.requireNonNull(totals.get(scope + "/month"), "the upsert returns every period");
      if (b.tokensPerDay().isPresent() && day[1] >= b.tokensPerDay().getAsLong()) {
        return Optional.of(new Exhausted(scope, "tokens_per_day", b.tokensPerDay().getAsLong(), dayStart(at).plus(1, ChronoUnit.DAYS)));
      }
      if (b.spendPerMonthMicros().isPresent() && month[2] >= b.spendPerMonthMicros().getAsLong()) {
        return Optional.of(new Exhausted(scope, "spend_per_month", b.spendPerMonthMicros().getAsLong(),
            monthStart(at).atZone(ZoneOffset.UTC).plusMonths(1).toInstant()));
      }
      if (b.requestsPerMinute().isPresent() && minute[0] > b.requestsPerMinute().getAsLong()) {
        return Optional.of(new Exhausted(scope, "requests_per_minute", b.requestsPerMinute().getAsLong(),
            minuteStart(at).plus(1, ChronoUnit.MINUTES)));
      }
    }
    return Optional.empty();
  }

  /**
   * The statement that adds the tokens and spend of a finished call to each scope, sent with the
   * call's audit record ({@link AuditLog#append(TenantId, String, dev.agentwarden.core.audit.AuditEventType,
   * com.fasterxml.jackson.databind.node.ObjectNode, List)}), so usage and record commit together.
   */
  public static Tx.Update recording(TenantId tenant, List<String> scopes, Instant at, long tokens, long spendMicros) {
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException("no scope to record usage in");
    }
    List<@Nullable Object> args = new ArrayList<>();
    StringBuilder values = new StringBuilder();
    for (String scope : scopes) {
      for (Object[] period : periods(at)) {
        if (period[0].equals("minute")) {
          continue;
        }
        values.append(values.isEmpty() ? "" : ", ").append("(?, ?, ?, ?, 0, ?, ?)");
        args.addAll(List.of(tenant, scope, period[0], period[1], tokens, spendMicros));
      }
    }
    return new Tx.Update("insert into model_usage (tenant_id, scope, period, period_start, requests, tokens, spend_micros)"
        + " values " + values + CONFLICT, args);
  }

  private static final String CONFLICT = " on conflict (tenant_id, scope, period, period_start) do update set"
      + " requests = model_usage.requests + excluded.requests, tokens = model_usage.tokens + excluded.tokens,"
      + " spend_micros = model_usage.spend_micros + excluded.spend_micros";

  private static Object[][] periods(Instant at) {
    return new Object[][] {{"minute", minuteStart(at)}, {"day", dayStart(at)}, {"month", monthStart(at)}};
  }

  public static Usage usage(Tx tx, String scope, Instant at) throws SQLException {
    long rpm = counter(tx, scope, "minute", minuteStart(at), "requests");
    long reqDay = counter(tx, scope, "day", dayStart(at), "requests");
    long tokDay = counter(tx, scope, "day", dayStart(at), "tokens");
    long spend = counter(tx, scope, "month", monthStart(at), "spend_micros");
    return new Usage(scope, rpm, reqDay, tokDay, spend);
  }

  /** Every scope with a budget or usage this month. */
  public static List<String> scopes(Tx tx, Instant at) throws SQLException {
    List<String> out = new ArrayList<>(tx.query(
        "select scope from model_budgets union select scope from model_usage where period = 'month' and period_start = ?"
            + " order by 1", rs -> rs.getString(1), monthStart(at)));
    return out;
  }

  private static long counter(Tx tx, String scope, String period, Instant start, String column) throws SQLException {
    return tx.queryOne("select " + column + " from model_usage where scope = ? and period = ? and period_start = ?",
        rs -> rs.getLong(1), scope, period, start).orElse(0L);
  }

  static Instant minuteStart(Instant at) {
    return at.truncatedTo(ChronoUnit.MINUTES);
  }

  static Instant dayStart(Instant at) {
    return at.truncatedTo(ChronoUnit.DAYS);
  }

  static Instant monthStart(Instant at) {
    LocalDate d = LocalDate.ofInstant(at, ZoneOffset.UTC).withDayOfMonth(1);
    return d.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  private static Optional<Long> opt(OptionalLong v) {
    return v.isPresent() ? Optional.of(v.getAsLong()) : Optional.empty();
  }

  private static OptionalLong optLong(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(v);
  }

  private static Budget map(ResultSet rs) throws SQLException {
    return new Budget(rs.getString("scope"), optLong(rs, "requests_per_minute"), optLong(rs, "tokens_per_day"),
        optLong(rs, "spend_per_month_micros"));
  }
}
