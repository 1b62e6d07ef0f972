package dev.agentwarden.core.audit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The JSON form of Merkle proofs, as served by {@code GET /v1/audit/proofs/*} and read by
 * {@code warden audit verify-proof}. Each proof carries the signed tree head(s) it refers to, so
 * it can be checked offline with nothing but the gateway's public keys.
 */
public final class AuditProofs {
  private AuditProofs() {}

  /** Event {@code seq} (leaf {@code seq - 1}) with chain hash {@code eventHash} is in {@code head}'s tree. */
  public static ObjectNode inclusion(long seq, HashValue eventHash, List<HashValue> path, TreeHead head) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("type", "inclusion");
    n.put("seq", seq);
    n.put("tree_size", head.treeSize());
    n.put("event_hash", eventHash.hex());
    n.put("leaf_hash", MerkleTree.leafHash(eventHash).hex());
    n.set("path", hexes(path));
    n.set("tree_head", head.toJson());
    return n;
  }

  /** {@code to}'s tree extends {@code from}'s. */
  public static ObjectNode consistency(List<HashValue> path, TreeHead from, TreeHead to) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("type", "consistency");
    n.put("from", from.treeSize());
    n.put("to", to.treeSize());
    n.set("path", hexes(path));
    n.set("from_head", from.toJson());
    n.set("to_head", to.toJson());
    return n;
  }

  private static ArrayNode hexes(List<HashValue> path) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    path.forEach(h -> a.add(h.hex()));
    return a;
  }
}
