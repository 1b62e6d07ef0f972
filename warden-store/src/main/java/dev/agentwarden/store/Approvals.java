package dev.agentwarden.store;

import dev.agentwarden.core.approval.Actor;
import dev.agentwarden.core.approval.Approval;
import dev.agentwarden.core.approval.ApprovalPayload;
import dev.agentwarden.core.approval.ApprovalRule;
import dev.agentwarden.core.approval.ApprovalStatus;
import dev.agentwarden.core.approval.ApprovalVote;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The approvals and approval_votes tables, always inside one tenant's scope. State changes are
 * computed by {@link dev.agentwarden.core.approval.ApprovalGate} on a row read with
 * {@link #lock}, so two concurrent decisions cannot both start from the same state.
 */
public final class Approvals {
  private static final String COLUMNS =
      "id, agent_id, action, payload, payload_sha256, requester_key, requester_agent, approvers, expiry_seconds,"
          + " status, created_at, expires_at, reason";

  /**
   * A stored request with what the gate does not hold: the agent row, the action name, and why
   * it was opened (JSON text; empty for requests stored before reasons were).
   */
  public record Stored(Approval approval, Optional<UUID> agentId, String action, Optional<String> reason) {}

  private Approvals() {}

  /** Stores a new request; {@code reason} is the JSON text saying why it was opened. */
  public static void insert(Tx tx, Approval a, Optional<UUID> agentId, String action, String reason)
      throws SQLException {
    tx.update("insert into approvals (id, tenant_id, agent_id, action, payload, payload_sha256, requester_key,"
            + " requester_agent, approvers, expiry_seconds, status, created_at, expires_at, reason)"
            + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        a.id(), tx.tenant(), agentId, action, a.payload().canonical(), a.payload().sha256(),
        UUID.fromString(a.requester().keyId()), a.requester().agent(), a.rule().approvers(),
        a.rule().expiry().toSeconds(), a.status(), a.createdAt(), a.expiresAt(), reason);
  }

  /**
   * Records the MCP session a request came from (the SHA-256 of its session id), so an
   * approver can allow the same call for the rest of that session.
   */
  public static void bindSession(Tx tx, UUID id, String sessionSha256) throws SQLException {
    tx.update("update approvals set session_sha256 = ? where id = ?", sessionSha256, id);
  }

  /** The session a request came from, if it came through {@code /mcp}. */
  public static Optional<String> sessionOf(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("select session_sha256 from approvals where id = ?", rs -> rs.getString(1), id)
        .flatMap(Optional::ofNullable);
  }

  /** Reads a request and locks its row until the transaction ends. */
  public static Optional<Stored> lock(Tx tx, UUID id) throws SQLException {
    Optional<Stored> row = tx.queryOne("select " + COLUMNS + " from approvals where id = ? for update", Approvals::map, id);
    return row.isEmpty() ? row : Optional.of(withVotes(tx, row.get()));
  }

  public static Optional<Stored> find(Tx tx, UUID id) throws SQLException {
    Optional<Stored> row = tx.queryOne("select " + COLUMNS + " from approvals where id = ?", Approvals::map, id);
    return row.isEmpty() ? row : Optional.of(withVotes(tx, row.get()));
  }

  /**
   * Requests of one agent for the payload with {@code sha256} that are still open or approved,
   * newest first, locked: the retry of an approved call consumes exactly one of them.
   */
  public static List<Stored> lockOpenFor(Tx tx, String requesterAgent, String sha256) throws SQLException {
    List<Stored> rows = tx.query("select " + COLUMNS + " from approvals where requester_agent = ? and payload_sha256 = ?"
        + " and status in ('pending', 'approved') order by created_at desc for update", Approvals::map,
        requesterAgent, sha256);
    List<Stored> out = new ArrayList<>();
    for (Stored s : rows) {
      out.add(withVotes(tx, s));
    }
    return out;
  }

  /** Requests with {@code status} (as stored), oldest first. */
  public static List<Stored> list(Tx tx, Optional<ApprovalStatus> status, int limit) throws SQLException {
    List<Stored> rows = status.isPresent()
        ? tx.query("select " + COLUMNS + " from approvals where status = ? order by created_at, id limit ?",
            Approvals::map, status.get(), limit)
        : tx.query("select " + COLUMNS + " from approvals order by created_at, id limit ?", Approvals::map, limit);
    List<Stored> out = new ArrayList<>();
    for (Stored s : rows) {
      out.add(withVotes(tx, s));
    }
    return out;
  }

  /** Writes the gate's next state: the status and any vote not yet stored. */
  public static void save(Tx tx, Approval next) throws SQLException {
    tx.update("update approvals set status = ?, executed_at = case when ? = 'executed' then now() else executed_at end"
        + " where id = ?", next.status(), next.status().wire(), next.id());
    for (ApprovalVote v : next.votes()) {
      tx.update("insert into approval_votes (tenant_id, approval_id, approver_key, approver_agent, approve, comment,"
              + " decided_at) values (?, ?, ?, ?, ?, ?, ?) on conflict (approval_id, approver_key) do nothing",
          tx.tenant(), next.id(), UUID.fromString(v.approver().keyId()), v.approver().agent(), v.approve(),
          v.comment(), v.at());
    }
  }

  /** Marks open requests past their expiry as expired; returns how many. */
  public static int expire(Tx tx, Instant now) throws SQLException {
    return tx.update("update approvals set status = 'expired' where status in ('pending', 'approved') and expires_at <= ?",
        now);
  }

  private static Stored withVotes(Tx tx, Stored s) throws SQLException {
    List<ApprovalVote> votes = tx.query("select approver_key, approver_agent, approve, comment, decided_at"
        + " from approval_votes where approval_id = ? order by decided_at, approver_key", rs -> new ApprovalVote(
            new Actor(Tx.uuid(rs, "approver_key").toString(), Optional.ofNullable(rs.getString("approver_agent"))),
            rs.getBoolean("approve"), Tx.requiredInstant(rs, "decided_at"), Optional.ofNullable(rs.getString("comment"))),
        s.approval().id());
    Approval a = s.approval();
    return new Stored(new Approval(a.id(), a.payload(), a.requester(), a.rule(), a.createdAt(), a.expiresAt(),
        a.status(), votes), s.agentId(), s.action(), s.reason());
  }

  static Stored map(ResultSet rs) throws SQLException {
    Approval a = new Approval(
        Tx.uuid(rs, "id"),
        ApprovalPayload.fromCanonical(rs.getString("payload")),
        new Actor(Tx.uuid(rs, "requester_key").toString(), Optional.ofNullable(rs.getString("requester_agent"))),
        ApprovalRule.approvers(rs.getInt("approvers"), Duration.ofSeconds(rs.getLong("expiry_seconds"))),
        Tx.requiredInstant(rs, "created_at"),
        Tx.requiredInstant(rs, "expires_at"),
        ApprovalStatus.fromWire(rs.getString("status")),
        List.of());
    return new Stored(a, Optional.ofNullable(Tx.uuid(rs, "agent_id")), rs.getString("action"),
        Optional.ofNullable(rs.getString("reason")));
  }
}
