package dev.agentwarden.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Budgets of the model proxy and the usage counted against them, per scope: the whole tenant or
 * one agent. Periods are UTC: the current minute (requests), day (tokens) and month (spend).
 *
 * <p>{@link #admit} counts the request and refuses it in the same transaction when a limit is
 * reached, so concurrent calls of all gateway processes cannot pass a request limit together;
 * tokens and spend are added by {@link #record} when the call ends, so one call in flight can
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
   * is named and the caller must let the transaction roll back, so nothing is counted.
   */
  public static Optional<Exhausted> admit(Tx tx, List<Budget> budgets, Instant at) throws SQLException {
    for (Budget b : budgets) {
      String scope = b.scope();
      Usage u = usage(tx, scope, at);
      if (b.tokensPerDay().isPresent() && u.tokensToday() >= b.tokensPerDay().getAsLong()) {
        return Optional.of(new Exhausted(scope, "tokens_per_day", b.tokensPerDay().getAsLong(), dayStart(at).plus(1, ChronoUnit.DAYS)));
      }
      if (b.spendPerMonthMicros().isPresent() && u.spendThisMonthMicros() >= b.spendPerMonthMicros().getAsLong()) {
        return Optional.of(new Exhausted(scope, "spend_per_month", b.spendPerMonthMicros().getAsLong(),
            monthStart(at).atZone(ZoneOffset.UTC).plusMonths(1).toInstant()));
      }
      long requests = add(tx, scope, "minute", minuteStart(at), 1, 0, 0);
      if (b.requestsPerMinute().isPresent() && requests > b.requestsPerMinute().getAsLong()) {
        return Optional.of(new Exhausted(scope, "requests_per_minute", b.requestsPerMinute().getAsLong(),
            minuteStart(at).plus(1, ChronoUnit.MINUTES)));
      }
      add(tx, scope, "day", dayStart(at), 1, 0, 0);
      add(tx, scope, "month", monthStart(at), 1, 0, 0);
    }
    return Optional.empty();
  }

  /** Adds the tokens and spend of a finished call to each scope. */
  public static void record(Tx tx, List<String> scopes, Instant at, long tokens, long spendMicros) throws SQLException {
    for (String scope : scopes) {
      add(tx, scope, "day", dayStart(at), 0, tokens, spendMicros);
      add(tx, scope, "month", monthStart(at), 0, tokens, spendMicros);
    }
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

  private static long add(Tx tx, String scope, String period, Instant start, long requests, long tokens, long spend)
      throws SQLException {
    return tx.queryOne("insert into model_usage (tenant_id, scope, period, period_start, requests, tokens, spend_micros)"
            + " values (?, ?, ?, ?, ?, ?, ?) on conflict (tenant_id, scope, period, period_start) do update set"
            + " requests = model_usage.requests + excluded.requests, tokens = model_usage.tokens + excluded.tokens,"
            + " spend_micros = model_usage.spend_micros + excluded.spend_micros returning requests",
        rs -> rs.getLong(1), tx.tenant(), scope, period, start, requests, tokens, spend).orElseThrow();
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
