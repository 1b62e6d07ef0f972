package dev.agentwarden.store;

import java.sql.SQLException;

/**
 * Token buckets in the database, so every gateway process on one database draws from the same
 * allowance. A process takes a small batch of tokens at a time (a lease) and spends it locally;
 * the database row is touched once per batch, not once per request.
 */
public final class RateBuckets {
  private RateBuckets() {}

  /** What the bucket granted, and how full it was before the grant. */
  public record Lease(int granted, double available) {}

  /**
   * Takes up to {@code want} whole tokens from the bucket {@code bucket} of the transaction's
   * tenant, refilling it first at {@code ratePerSecond} up to {@code capacity}.
   */
  public static Lease take(Tx tx, String bucket, int want, double ratePerSecond, double capacity)
      throws SQLException {
    tx.update(
        "insert into rate_buckets (tenant_id, bucket, tokens, refreshed_at) values (?, ?, ?, clock_timestamp())"
            + " on conflict (tenant_id, bucket) do nothing",
        tx.tenant(), bucket, capacity);
    return tx.queryOne(
            """
            with cur as (
              select least(?::float8, tokens + greatest(0, extract(epoch from clock_timestamp() - refreshed_at)) * ?::float8) as avail
              from rate_buckets where tenant_id = ? and bucket = ? for update)
            update rate_buckets b
               set tokens = cur.avail - least(?::int, floor(cur.avail)::int), refreshed_at = clock_timestamp()
              from cur
             where b.tenant_id = ? and b.bucket = ?
            returning least(?::int, floor(cur.avail)::int) as granted, cur.avail as avail""",
            rs -> new Lease(rs.getInt("granted"), rs.getDouble("avail")),
            capacity, ratePerSecond, tx.tenant(), bucket, want, tx.tenant(), bucket, want)
        .orElseThrow();
  }
}
