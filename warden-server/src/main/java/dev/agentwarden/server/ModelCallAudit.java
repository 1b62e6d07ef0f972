package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Tx;
import java.util.List;

/**
 * Where the one record of each model call goes. The record holds the model, token counts,
 * hashes of prompt and response, verdicts and rule ids; never a secret, and message content
 * only where the tenant turned content logging on (redacted).
 */
@FunctionalInterface
interface ModelCallAudit {
  /**
   * Records the call; {@code alongside} (the call's usage) is stored in the same transaction as
   * the record, so a call is counted exactly when it is recorded.
   */
  void modelCalled(TenantId tenant, String actor, ObjectNode record, List<Tx.Update> alongside);

  /**
   * Appends a {@code model.called} event to the tenant's audit chain through its group commit;
   * returns once it is durable and throws when it cannot be stored, so the call fails closed
   * with it.
   */
  static ModelCallAudit toChain(AuditLog log) {
    return (tenant, actor, record, alongside) ->
        log.append(tenant, actor, AuditEventType.MODEL_CALLED, record, alongside);
  }
}
