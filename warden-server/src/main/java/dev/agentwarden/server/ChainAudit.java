package dev.agentwarden.server;

import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.mcp.AuditSink;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Tx;
import java.sql.SQLException;
import java.util.Map;

/**
 * Appends the MCP gateway's and the agent and approval APIs' records to the tenant's
 * tamper-evident audit chain. A type the catalogue does not know is a programming error, so it
 * fails loudly rather than being written under another name.
 */
final class ChainAudit implements AuditSink {
  private final AuditLog log;

  ChainAudit(AuditLog log) {
    this.log = log;
  }

  @Override
  public void record(TenantId tenant, String actor, String type, Map<String, Object> body) {
    log.append(tenant, actor, known(type), Json.MAPPER.valueToTree(body));
  }

  @Override
  public void record(Tx tx, String actor, String type, Map<String, Object> body) throws SQLException {
    log.append(tx, actor, known(type), Json.MAPPER.valueToTree(body));
  }

  private static AuditEventType known(String type) {
    return AuditEventType.fromWireName(type)
        .orElseThrow(() -> new IllegalArgumentException("unknown audit event type " + type));
  }
}
