package dev.agentwarden.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import java.sql.SQLException;

/**
 * Records a change to secrets or providers inside the transaction that makes it, so the change
 * and its audit event commit together or not at all. Bodies carry references, ids, versions and
 * flags, never a secret value (not even masked).
 */
@FunctionalInterface
public interface ChangeRecorder {
  /** Records nothing: for tests and maintenance commands that have no caller to attribute. */
  ChangeRecorder NONE = (tx, type, body) -> {};

  void record(Tx tx, AuditEventType type, ObjectNode body) throws SQLException;
}
