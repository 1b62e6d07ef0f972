package dev.agentwarden.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The mcp_servers and mcp_tools tables, always inside one tenant's scope. mcp_tools pins tools
 * and, told apart by {@code kind}, a server's prompts, resources and resource templates.
 */
public final class McpServers {
  /** What a pinned row is: {@link #TOOL}, or a prompt, resource or resource template. */
  public static final String TOOL = "tool";
  public static final String PROMPT = "prompt";
  public static final String RESOURCE = "resource";
  public static final String RESOURCE_TEMPLATE = "resource_template";
  private static final String COLUMNS =
      "id, name, url, auth_ref, enabled, instructions, last_synced_at, last_error, created_at, updated_at";
  private static final String TOOL_COLUMNS =
      "server_id, name, pinned_identity, pinned_sha256, current_identity, current_sha256, removed, findings,"
          + " acknowledged, first_seen_at, changed_at";

  private McpServers() {}

  public static McpServer insert(Tx tx, UUID id, String name, String url, Optional<String> authRef, boolean enabled)
      throws SQLException {
    return tx.queryOne("insert into mcp_servers (id, tenant_id, name, url, auth_ref, enabled) values (?, ?, ?, ?, ?, ?)"
            + " returning " + COLUMNS, McpServers::map, id, tx.tenant(), name, url, authRef, enabled)
        .orElseThrow();
  }

  public static Optional<McpServer> update(Tx tx, UUID id, String url, Optional<String> authRef, boolean enabled)
      throws SQLException {
    return tx.queryOne("update mcp_servers set url = ?, auth_ref = ?, enabled = ?, updated_at = now() where id = ?"
        + " returning " + COLUMNS, McpServers::map, url, authRef, enabled, id);
  }

  public static void synced(Tx tx, UUID id, String instructions, Instant at) throws SQLException {
    tx.update("update mcp_servers set instructions = ?, last_synced_at = ?, last_error = null where id = ?",
        instructions, at, id);
  }

  public static void failed(Tx tx, UUID id, String error) throws SQLException {
    tx.update("update mcp_servers set last_error = ? where id = ?", error, id);
  }

  public static List<McpServer> list(Tx tx) throws SQLException {
    return tx.query("select " + COLUMNS + " from mcp_servers order by name", McpServers::map);
  }

  public static Optional<McpServer> find(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("select " + COLUMNS + " from mcp_servers where id = ?", McpServers::map, id);
  }

  /** Locks the server's row for the rest of the transaction; false when there is no such server. */
  public static boolean lock(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("select id from mcp_servers where id = ? for update", rs -> Tx.uuid(rs, "id"), id).isPresent();
  }

  public static Optional<McpServer> findByName(Tx tx, String name) throws SQLException {
    return tx.queryOne("select " + COLUMNS + " from mcp_servers where name = ?", McpServers::map, name);
  }

  public static Optional<McpServer> delete(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("delete from mcp_servers where id = ? returning " + COLUMNS, McpServers::map, id);
  }

  public static List<McpTool> tools(Tx tx, UUID serverId) throws SQLException {
    return items(tx, serverId, TOOL);
  }

  /** The pinned items of one {@code kind} of a server ({@link #TOOL}, {@link #PROMPT}, ...), by name. */
  public static List<McpTool> items(Tx tx, UUID serverId, String kind) throws SQLException {
    return tx.query("select " + TOOL_COLUMNS + " from mcp_tools where server_id = ? and kind = ? order by name",
        McpServers::mapTool, serverId, kind);
  }

  /** One pinned item of a server. */
  public static Optional<McpTool> item(Tx tx, UUID serverId, String kind, String name) throws SQLException {
    return tx.queryOne("select " + TOOL_COLUMNS + " from mcp_tools where server_id = ? and kind = ? and name = ?",
        McpServers::mapTool, serverId, kind, name);
  }

  public static List<McpTool> allTools(Tx tx) throws SQLException {
    return tx.query("select " + TOOL_COLUMNS + " from mcp_tools where kind = 'tool' order by server_id, name",
        McpServers::mapTool);
  }

  public static Optional<McpTool> tool(Tx tx, UUID serverId, String name) throws SQLException {
    return tx.queryOne("select " + TOOL_COLUMNS + " from mcp_tools where server_id = ? and kind = 'tool' and name = ?"
        + " for update", McpServers::mapTool, serverId, name);
  }

  /** A tool seen for the first time: pinned as seen, usable once findings (if any) are acknowledged. */
  public static void insertTool(Tx tx, UUID serverId, String name, String identity, String sha256, String findings,
      boolean acknowledged) throws SQLException {
    insertItem(tx, serverId, TOOL, name, identity, sha256, findings, acknowledged);
  }

  /** As {@link #insertTool}, for an item of any kind. */
  public static void insertItem(Tx tx, UUID serverId, String kind, String name, String identity, String sha256,
      String findings, boolean acknowledged) throws SQLException {
    tx.update("insert into mcp_tools (tenant_id, server_id, kind, name, pinned_identity, pinned_sha256, current_identity,"
            + " current_sha256, findings, acknowledged) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        tx.tenant(), serverId, kind, name, identity, sha256, identity, sha256, findings, acknowledged);
  }

  /** Records the identity last seen; the pinned one stays until an admin re-approves. */
  public static void observeTool(Tx tx, UUID serverId, String name, String identity, String sha256, String findings,
      boolean removed) throws SQLException {
    observeItem(tx, serverId, TOOL, name, identity, sha256, findings, removed);
  }

  /** As {@link #observeTool}, for an item of any kind. */
  public static void observeItem(Tx tx, UUID serverId, String kind, String name, String identity, String sha256,
      String findings, boolean removed) throws SQLException {
    tx.update("update mcp_tools set current_identity = ?, current_sha256 = ?, findings = ?, removed = ?,"
            + " changed_at = case when current_sha256 <> ? or removed <> ? then now() else changed_at end"
            + " where server_id = ? and kind = ? and name = ?",
        identity, sha256, findings, removed, sha256, removed, serverId, kind, name);
  }

  /** An admin's re-approval of exactly the identity with {@code sha256}; false when it is not the current one. */
  public static boolean approveTool(Tx tx, UUID serverId, String name, String sha256) throws SQLException {
    return approveItem(tx, serverId, TOOL, name, sha256);
  }

  /** As {@link #approveTool}, for an item of any kind. */
  public static boolean approveItem(Tx tx, UUID serverId, String kind, String name, String sha256) throws SQLException {
    return tx.update("update mcp_tools set pinned_identity = current_identity, pinned_sha256 = current_sha256,"
            + " acknowledged = true, changed_at = now() where server_id = ? and kind = ? and name = ?"
            + " and current_sha256 = ? and not removed",
        serverId, kind, name, sha256) == 1;
  }

  static McpServer map(ResultSet rs) throws SQLException {
    return new McpServer(
        Tx.uuid(rs, "id"),
        rs.getString("name"),
        rs.getString("url"),
        Optional.ofNullable(rs.getString("auth_ref")),
        rs.getBoolean("enabled"),
        rs.getString("instructions"),
        Tx.instant(rs, "last_synced_at"),
        Optional.ofNullable(rs.getString("last_error")),
        Tx.requiredInstant(rs, "created_at"),
        Tx.requiredInstant(rs, "updated_at"));
  }

  static McpTool mapTool(ResultSet rs) throws SQLException {
    return new McpTool(
        Tx.uuid(rs, "server_id"),
        rs.getString("name"),
        rs.getString("pinned_identity"),
        rs.getString("pinned_sha256"),
        rs.getString("current_identity"),
        rs.getString("current_sha256"),
        rs.getBoolean("removed"),
        rs.getString("findings"),
        rs.getBoolean("acknowledged"),
        Tx.requiredInstant(rs, "first_seen_at"),
        Tx.requiredInstant(rs, "changed_at"));
  }
}
