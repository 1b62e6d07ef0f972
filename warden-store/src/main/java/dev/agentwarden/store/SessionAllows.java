package dev.agentwarden.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The session_allows table, always inside one tenant's scope: an approver's permission for one
 * agent to run one exact tool + argument hash for the rest of one MCP session. Only an
 * unrevoked row with all four equal matches.
 */
public final class SessionAllows {
  private static final String COLUMNS = "id, agent_id, agent, tool, arguments_sha256, session_sha256, approval_id,"
      + " created_by, created_at, revoked_at, revoked_by, ended_at";

  /**
   * One allow. It matches only while active: not revoked ({@code revokedAt}) and its session
   * not ended ({@code endedAt}).
   */
  public record SessionAllow(UUID id, UUID agentId, String agent, String tool, String argumentsSha256,
      String sessionSha256, UUID approvalId, UUID createdBy, Instant createdAt, Optional<Instant> revokedAt,
      Optional<UUID> revokedBy, Optional<Instant> endedAt) {
    public boolean active() {
      return revokedAt.isEmpty() && endedAt.isEmpty();
    }

    /** {@code active}, {@code revoked} or {@code ended}. */
    public String status() {
      return revokedAt.isPresent() ? "revoked" : endedAt.isPresent() ? "ended" : "active";
    }
  }

  private SessionAllows() {}

  public static SessionAllow insert(Tx tx, SessionAllow a) throws SQLException {
    tx.update("insert into session_allows (id, tenant_id, agent_id, agent, tool, arguments_sha256, session_sha256,"
            + " approval_id, created_by, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        a.id(), tx.tenant(), a.agentId(), a.agent(), a.tool(), a.argumentsSha256(), a.sessionSha256(), a.approvalId(),
        a.createdBy(), a.createdAt());
    return a;
  }

  /** The unrevoked allow for exactly this agent, session, tool and argument hash, if any. */
  public static Optional<SessionAllow> findActive(Tx tx, UUID agentId, String sessionSha256, String tool,
      String argumentsSha256) throws SQLException {
    return tx.query("select " + COLUMNS + " from session_allows where agent_id = ? and session_sha256 = ? and tool = ?"
            + " and arguments_sha256 = ? and revoked_at is null and ended_at is null order by created_at limit 1", SessionAllows::map,
        agentId, sessionSha256, tool, argumentsSha256).stream().findFirst();
  }

  public static Optional<SessionAllow> find(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("select " + COLUMNS + " from session_allows where id = ?", SessionAllows::map, id);
  }

  /** Allows newest first, optionally only those with one status ({@link SessionAllow#status}) and one agent's. */
  public static List<SessionAllow> list(Tx tx, Optional<String> status, Optional<String> agent, int limit)
      throws SQLException {
    StringBuilder sql = new StringBuilder("select " + COLUMNS + " from session_allows where true");
    List<Object> args = new java.util.ArrayList<>();
    status.ifPresent(s -> sql.append(switch (s) {
      case "active" -> " and revoked_at is null and ended_at is null";
      case "revoked" -> " and revoked_at is not null";
      case "ended" -> " and revoked_at is null and ended_at is not null";
      default -> throw new IllegalArgumentException("unknown session allow status " + s);
    }));
    if (agent.isPresent()) {
      sql.append(" and agent = ?");
      args.add(agent.get());
    }
    sql.append(" order by created_at desc, id limit ?");
    args.add(limit);
    return tx.query(sql.toString(), SessionAllows::map, args.toArray());
  }

  /** Ends the allows of the session with this hash; returns the ids of those that were active. */
  public static List<UUID> endSession(Tx tx, String sessionSha256, Instant at) throws SQLException {
    return tx.query("update session_allows set ended_at = ? where session_sha256 = ? and revoked_at is null"
        + " and ended_at is null returning id", rs -> Tx.uuid(rs, "id"), at, sessionSha256);
  }

  /** Revokes an active allow; returns false when it was already revoked (or is not there). */
  public static boolean revoke(Tx tx, UUID id, UUID by, Instant at) throws SQLException {
    return tx.update("update session_allows set revoked_at = ?, revoked_by = ? where id = ? and revoked_at is null",
        at, by, id) == 1;
  }

  private static SessionAllow map(ResultSet rs) throws SQLException {
    return new SessionAllow(Tx.uuid(rs, "id"), Tx.uuid(rs, "agent_id"), rs.getString("agent"), rs.getString("tool"),
        rs.getString("arguments_sha256"), rs.getString("session_sha256"), Tx.uuid(rs, "approval_id"),
        Tx.uuid(rs, "created_by"), Tx.requiredInstant(rs, "created_at"), Tx.instant(rs, "revoked_at"),
        Optional.ofNullable(Tx.uuid(rs, "revoked_by")), Tx.instant(rs, "ended_at"));
  }
}
