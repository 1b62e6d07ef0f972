package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Tx;
import java.sql.SQLException;

/**
 * Where the one record of each model call goes. The record holds the model, token counts,
 * hashes of prompt and response, verdicts and rule ids; never a secret, and message content
 * only where the tenant turned content logging on (redacted).
 */
@FunctionalInterface
interface ModelCallAudit {
  /** Records inside the caller's transaction, which commits the call's usage with it. */
  void modelCalled(Tx tx, String actor, ObjectNode record) throws SQLException;

  /**
   * Appends a {@code model.called} event to the tenant's audit chain in the caller's
   * transaction; it is durable when that transaction commits, and a failure fails the call.
   */
  static ModelCallAudit toChain(AuditLog log) {
    return (tx, actor, record) -> log.append(tx, actor, AuditEventType.MODEL_CALLED, record);
  }
}
