package dev.agentwarden.mcp;

import dev.agentwarden.core.id.TenantId;
import java.util.Map;

/**
 * Where the gateway records consequential steps (registration, pinning, quarantine, approval
 * requests, tool calls and refusals). Bodies carry names, hashes and decisions, never a
 * credential or a tool's raw output.
 */
@FunctionalInterface
public interface AuditSink {
  /**
   * @param type an audit event type wire name, e.g. {@code tool.called}
   * @param actor who acted, e.g. {@code key:<uuid>}
   */
  void record(TenantId tenant, String actor, String type, Map<String, Object> body);
}
