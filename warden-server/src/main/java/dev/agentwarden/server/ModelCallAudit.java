package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.id.TenantId;

/**
 * Where the one record of each model call goes. The record holds the model, token counts,
 * hashes of prompt and response, verdicts and rule ids; never message content or a secret.
 */
@FunctionalInterface
interface ModelCallAudit {
  void modelCalled(TenantId tenant, String actor, ObjectNode record);

  /**
   * Appends a {@code model.called} event to the tenant's audit chain; returns once it is durable
   * and throws when it cannot be stored, so the call fails closed with it.
   */
  static ModelCallAudit toChain(dev.agentwarden.store.AuditLog log) {
    return (tenant, actor, record) ->
        log.append(tenant, actor, dev.agentwarden.core.audit.AuditEventType.MODEL_CALLED, record);
  }

  /** Records to the structured log. */
  static ModelCallAudit toLog(RequestLog log) {
    return (tenant, actor, record) -> {
      java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
      fields.put("event", "model.called");
      fields.put("tenant", tenant.toString());
      fields.put("actor", actor);
      fields.put("call", record);
      log.event("info", "model.called", fields);
    };
  }
}
