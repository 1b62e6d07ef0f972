package dev.agentwarden.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.json.CanonicalJson;
import java.time.Instant;
import java.util.Objects;

/**
 * What a caller asks the audit log to record, before the log gives it a sequence number, a
 * chain position and a signature. The body must be canonicalizable JSON (checked here, so a bad
 * body fails the caller's action before anything is written) and must never hold a secret.
 */
public record AuditEntry(String tenantId, Instant ts, String actor, AuditEventType type, ObjectNode body) {
  /** Longest accepted actor. */
  public static final int MAX_ACTOR_LENGTH = 256;

  /** Largest accepted canonical body, in bytes. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  public AuditEntry {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(body, "body");
    AuditEvent.requireTenantId(tenantId);
    if (actor.isEmpty() || actor.length() > MAX_ACTOR_LENGTH || actor.chars().anyMatch(Character::isISOControl)) {
      throw new AuditException("invalid_audit_entry", "actor must be 1 to " + MAX_ACTOR_LENGTH + " printable characters");
    }
    ts = AuditTime.truncate(ts);
    body = body.deepCopy();
    int size = CanonicalJson.canonicalize(body).length;
    if (size > MAX_BODY_BYTES) {
      throw new AuditException("invalid_audit_entry", "audit body is " + size + " bytes, the limit is " + MAX_BODY_BYTES);
    }
  }

  /** A copy of the body. */
  @Override
  public ObjectNode body() {
    return body.deepCopy();
  }

  JsonNode bodyView() {
    return body;
  }
}
