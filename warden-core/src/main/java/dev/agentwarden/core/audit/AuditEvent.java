package dev.agentwarden.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One sealed event of a tenant's audit chain (format version {@value AuditChain#FORMAT_VERSION}).
 * See {@code docs/audit-format.md} for the exact rule; in short {@code hash = SHA-256(prev_hash
 * || canonical_json(event without hash and sig))} and {@code sig = Ed25519(hash)}.
 *
 * @param type the wire name of the type; an event from a newer catalogue keeps a name this
 *     build does not know, and still verifies
 * @param sig base64url (unpadded) Ed25519 signature of the 32 hash bytes
 */
public record AuditEvent(
    String tenantId,
    long seq,
    Instant ts,
    String actor,
    String type,
    ObjectNode body,
    HashValue prevHash,
    String keyId,
    HashValue hash,
    String sig) {

  public AuditEvent {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(prevHash, "prevHash");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(sig, "sig");
    requireTenantId(tenantId);
    if (seq < 1) {
      throw new AuditException("invalid_audit_event", "seq starts at 1, got " + seq);
    }
    ts = AuditTime.truncate(ts);
    body = body.deepCopy();
  }

  /** A copy of the body. */
  @Override
  public ObjectNode body() {
    return body.deepCopy();
  }

  /** The members that the hash covers: everything but {@code hash} and {@code sig}. */
  public ObjectNode contentJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("v", AuditChain.FORMAT_VERSION);
    n.put("tenant_id", tenantId);
    n.put("seq", seq);
    n.put("ts", AuditTime.format(ts));
    n.put("actor", actor);
    n.put("type", type);
    n.set("body", body.deepCopy());
    n.put("prev_hash", prevHash.hex());
    n.put("key_id", keyId);
    return n;
  }

  /** The full JSON form: the content plus {@code hash} and {@code sig}. */
  public ObjectNode toJson() {
    ObjectNode n = contentJson();
    n.put("hash", hash.hex());
    n.put("sig", sig);
    return n;
  }

  /** Reads the full JSON form (extra members, such as an export's {@code kind}, are ignored). */
  public static AuditEvent fromJson(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new AuditException("invalid_audit_event", "an event is a JSON object");
    }
    JsonNode v = n.get("v");
    if (v == null || !v.isIntegralNumber() || v.longValue() != AuditChain.FORMAT_VERSION) {
      throw new AuditException("invalid_audit_event", "unsupported event format version");
    }
    JsonNode body = n.get("body");
    if (body == null || !body.isObject()) {
      throw new AuditException("invalid_audit_event", "body must be a JSON object");
    }
    JsonNode seq = n.get("seq");
    if (seq == null || !seq.canConvertToExactIntegral() || !seq.canConvertToLong()) {
      throw new AuditException("invalid_audit_event", "seq must be an integer");
    }
    return new AuditEvent(
        text(n, "tenant_id"),
        seq.longValue(),
        AuditTime.parse(text(n, "ts")),
        text(n, "actor"),
        text(n, "type"),
        (ObjectNode) body,
        HashValue.parse(text(n, "prev_hash")),
        text(n, "key_id"),
        HashValue.parse(text(n, "hash")),
        text(n, "sig"));
  }

  static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new AuditException("invalid_audit_event", "member " + field + " must be a string");
    }
    return v.textValue();
  }

  static void requireTenantId(String tenantId) {
    if (tenantId.isEmpty() || tenantId.length() > 128 || !tenantId.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new AuditException("invalid_audit_event", "tenant id must be 1 to 128 printable ASCII characters");
    }
  }
}
