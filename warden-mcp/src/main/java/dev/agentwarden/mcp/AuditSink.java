package dev.agentwarden.mcp;

import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.store.Tx;
import java.sql.SQLException;
import java.util.Map;

/**
 * Where the gateway records consequential steps (registration, pinning, quarantine, approval
 * requests, tool calls and refusals). Bodies carry names, hashes and decisions, never a
 * credential or a tool's raw output. Both methods fail closed: a record that cannot be written
 * throws, and the step it records must fail with it.
 */
public interface AuditSink {
  /**
   * Records a step that changed no state (a tool call's outcome, a refusal) in its own
   * transaction; returns only once the record is durable.
   *
   * @param type an audit event type wire name, e.g. {@code tool.called}
   * @param actor who acted, e.g. {@code key:<uuid>}
   */
  void record(TenantId tenant, String actor, String type, Map<String, Object> body);

  /**
   * Records a state change inside {@code tx}, the transaction that makes it: the change and its
   * record commit together, or neither does.
   */
  void record(Tx tx, String actor, String type, Map<String, Object> body) throws SQLException;
}
