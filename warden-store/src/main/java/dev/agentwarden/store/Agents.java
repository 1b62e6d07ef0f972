package dev.agentwarden.store;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The agents table, always inside one tenant's scope. */
public final class Agents {
  private static final String COLUMNS =
      "id, name, provider, model, system_prompt, system_prompt_sha256, tools, collections, policy, approvals,"
          + " budgets, injection, enabled, key_id, created_at, updated_at";

  private Agents() {}

  public static Agent insert(Tx tx, Agent a) throws SQLException {
    return tx.queryOne(
            "insert into agents (id, tenant_id, name, provider, model, system_prompt, system_prompt_sha256, tools,"
                + " collections, policy, approvals, budgets, injection, enabled, key_id)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning " + COLUMNS,
            Agents::map, a.id(), tx.tenant(), a.name(), a.provider(), a.model(), a.systemPrompt(),
            a.systemPromptSha256(), a.tools().toArray(String[]::new), a.collections().toArray(String[]::new),
            a.policy(), a.approvals(), a.budgets(), a.injection(), a.enabled(), a.keyId())
        .orElseThrow();
  }

  /** Replaces every mutable field of the agent with {@code a}'s. */
  public static Optional<Agent> update(Tx tx, Agent a) throws SQLException {
    return tx.queryOne(
        "update agents set name = ?, provider = ?, model = ?, system_prompt = ?, system_prompt_sha256 = ?, tools = ?,"
            + " collections = ?, policy = ?, approvals = ?, budgets = ?, injection = ?, enabled = ?,"
            + " updated_at = now() where id = ? returning " + COLUMNS,
        Agents::map, a.name(), a.provider(), a.model(), a.systemPrompt(), a.systemPromptSha256(),
        a.tools().toArray(String[]::new), a.collections().toArray(String[]::new), a.policy(), a.approvals(),
        a.budgets(), a.injection(), a.enabled(), a.id());
  }

  public static List<Agent> list(Tx tx) throws SQLException {
    return tx.query("select " + COLUMNS + " from agents order by name", Agents::map);
  }

  public static Optional<Agent> find(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("select " + COLUMNS + " from agents where id = ?", Agents::map, id);
  }

  public static Optional<Agent> findByName(Tx tx, String name) throws SQLException {
    return tx.queryOne("select " + COLUMNS + " from agents where name = ?", Agents::map, name);
  }

  /** The agent an agent-role key acts as. */
  public static Optional<Agent> findByKey(Tx tx, UUID keyId) throws SQLException {
    return tx.queryOne("select " + COLUMNS + " from agents where key_id = ?", Agents::map, keyId);
  }

  /** Deletes the agent; its key is revoked by the caller in the same transaction. */
  public static Optional<Agent> delete(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("delete from agents where id = ? returning " + COLUMNS, Agents::map, id);
  }

  static Agent map(ResultSet rs) throws SQLException {
    return new Agent(
        Tx.uuid(rs, "id"),
        rs.getString("name"),
        Optional.ofNullable(rs.getString("provider")),
        Optional.ofNullable(rs.getString("model")),
        rs.getString("system_prompt"),
        rs.getString("system_prompt_sha256"),
        strings(rs.getArray("tools")),
        strings(rs.getArray("collections")),
        Optional.ofNullable(rs.getString("policy")),
        rs.getString("approvals"),
        rs.getString("budgets"),
        rs.getString("injection"),
        rs.getBoolean("enabled"),
        Optional.ofNullable(Tx.uuid(rs, "key_id")),
        Tx.requiredInstant(rs, "created_at"),
        Tx.requiredInstant(rs, "updated_at"));
  }

  static List<String> strings(Array array) throws SQLException {
    return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
  }
}
