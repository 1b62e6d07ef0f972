package dev.agentwarden.store;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;

/**
 * Idempotency-Key bookkeeping. A request claims its key before doing any work; the first
 * response is stored and replayed for a retry with the same body.
 */
public final class IdempotencyRecords {
  private IdempotencyRecords() {}

  /** A stored outcome of an earlier request with the same key. */
  public record Stored(int status, String contentType, byte[] body) {}

  /** What {@link #claim} found. */
  public sealed interface Claim {
    /** The key is new: do the work, then {@link #complete} or {@link #release}. */
    record Fresh() implements Claim {}

    /** The same key and body completed before: replay this. */
    record Replay(Stored response) implements Claim {}

    /** The same key came with a different body. */
    record Mismatch() implements Claim {}

    /** The same key is being processed right now by another request. */
    record InProgress() implements Claim {}
  }

  /**
   * Claims {@code key} for {@code principal}. A claim left in progress longer than
   * {@code abandonAfter} (a crashed process) may be taken over.
   */
  public static Claim claim(Tx tx, UUID principal, String key, byte[] requestHash, Duration abandonAfter)
      throws SQLException {
    int inserted = tx.update(
        "insert into idempotency_keys (tenant_id, principal_id, idem_key, request_hash, state)"
            + " values (?, ?, ?, ?, 'in_progress') on conflict do nothing",
        tx.tenant(), principal, key, requestHash);
    if (inserted == 1) {
      return new Claim.Fresh();
    }
    record Row(byte[] hash, String state, Integer status, String contentType, byte[] body, boolean stale) {}
    Row row = tx.queryOne(
            "select request_hash, state, status, content_type, body,"
                + " created_at < now() - make_interval(secs => ?) as stale"
                + " from idempotency_keys where tenant_id = ? and principal_id = ? and idem_key = ? for update",
            rs -> new Row(rs.getBytes(1), rs.getString(2), (Integer) rs.getObject(3), rs.getString(4),
                rs.getBytes(5), rs.getBoolean(6)),
            (double) abandonAfter.toSeconds(), tx.tenant(), principal, key)
        .orElseThrow();
    if (!Arrays.equals(row.hash(), requestHash)) {
      return new Claim.Mismatch();
    }
    if (row.state().equals("done")) {
      return new Claim.Replay(new Stored(row.status(), row.contentType(), row.body()));
    }
    if (row.stale()) {
      tx.update("update idempotency_keys set created_at = now() where tenant_id = ? and principal_id = ? and idem_key = ?",
          tx.tenant(), principal, key);
      return new Claim.Fresh();
    }
    return new Claim.InProgress();
  }

  public static void complete(Tx tx, UUID principal, String key, Stored response) throws SQLException {
    tx.update(
        "update idempotency_keys set state = 'done', status = ?, content_type = ?, body = ?"
            + " where tenant_id = ? and principal_id = ? and idem_key = ?",
        response.status(), response.contentType(), response.body(), tx.tenant(), principal, key);
  }

  /** Forgets a claim whose request failed, so a retry can do the work. */
  public static void release(Tx tx, UUID principal, String key) throws SQLException {
    tx.update("delete from idempotency_keys where tenant_id = ? and principal_id = ? and idem_key = ? and state = 'in_progress'",
        tx.tenant(), principal, key);
  }

}
