package dev.agentwarden.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.json.CanonicalJson;
import java.time.Instant;
import java.util.Objects;

/**
 * A signed tree head (checkpoint) of a tenant's audit log: the Merkle root over its first
 * {@code treeSize} events and the chain hash of event {@code treeSize} (the genesis value when
 * empty), signed by the gateway. A customer who keeps one can later demand a consistency proof
 * that the log only grew, and an export must end with one.
 *
 * <p>{@code sig} is Ed25519 over {@code canonical_json} of the JSON form without {@code kind}
 * and {@code sig}.
 */
public record TreeHead(
    String tenantId, long treeSize, HashValue rootHash, HashValue chainHead, Instant ts, String keyId, String sig) {

  public TreeHead {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(rootHash, "rootHash");
    Objects.requireNonNull(chainHead, "chainHead");
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(sig, "sig");
    AuditEvent.requireTenantId(tenantId);
    if (treeSize < 0) {
      throw new AuditException("invalid_tree_head", "tree size cannot be negative");
    }
    ts = AuditTime.truncate(ts);
  }

  /** Signs a tree head. */
  public static TreeHead sign(
      String tenantId, long treeSize, HashValue rootHash, HashValue chainHead, Instant ts, AuditSigner signer) {
    if (!signer.key().isValidAt(AuditTime.truncate(ts))) {
      throw new AuditException("audit_key_not_valid", "signing key " + signer.keyId() + " is not valid at " + ts);
    }
    TreeHead unsigned = new TreeHead(tenantId, treeSize, rootHash, chainHead, ts, signer.keyId(), "");
    String sig = Base64Url.encode(signer.sign(unsigned.signedBytes()));
    return new TreeHead(tenantId, treeSize, rootHash, chainHead, ts, signer.keyId(), sig);
  }

  /** True if the signature verifies under {@code key} and the key was valid at {@code ts}. */
  public boolean verify(AuditKey key) {
    if (!key.keyId().equals(keyId) || !key.isValidAt(ts)) {
      return false;
    }
    byte[] raw;
    try {
      raw = Base64Url.decode(sig);
    } catch (AuditException e) {
      return false;
    }
    return key.publicKey().verify(signedBytes(), raw);
  }

  byte[] signedBytes() {
    ObjectNode n = toJson();
    n.remove("kind");
    n.remove("sig");
    return CanonicalJson.canonicalize(n);
  }

  /** The JSON form: an export's last line and the body of {@code GET /v1/audit/checkpoints/latest}. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("kind", "tree_head");
    n.put("v", AuditChain.FORMAT_VERSION);
    n.put("tenant_id", tenantId);
    n.put("tree_size", treeSize);
    n.put("root_hash", rootHash.hex());
    n.put("chain_head", chainHead.hex());
    n.put("ts", AuditTime.format(ts));
    n.put("key_id", keyId);
    n.put("sig", sig);
    return n;
  }

  public static TreeHead fromJson(JsonNode n) {
    if (n == null || !n.isObject() || !"tree_head".equals(n.path("kind").asText(""))) {
      throw new AuditException("invalid_tree_head", "a tree head is a JSON object with kind tree_head");
    }
    JsonNode v = n.get("v");
    if (v == null || !v.isIntegralNumber() || v.longValue() != AuditChain.FORMAT_VERSION) {
      throw new AuditException("invalid_tree_head", "unsupported tree head version");
    }
    JsonNode size = n.get("tree_size");
    if (size == null || !size.isIntegralNumber() || !size.canConvertToLong()) {
      throw new AuditException("invalid_tree_head", "tree_size must be an integer");
    }
    try {
      return new TreeHead(
          AuditEvent.text(n, "tenant_id"),
          size.longValue(),
          HashValue.parse(AuditEvent.text(n, "root_hash")),
          HashValue.parse(AuditEvent.text(n, "chain_head")),
          AuditTime.parse(AuditEvent.text(n, "ts")),
          AuditEvent.text(n, "key_id"),
          AuditEvent.text(n, "sig"));
    } catch (AuditException e) {
      throw new AuditException("invalid_tree_head", "malformed tree head: " + e.getMessage(), e);
    }
  }
}
