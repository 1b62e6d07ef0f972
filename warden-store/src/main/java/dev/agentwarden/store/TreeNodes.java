package dev.agentwarden.store;

import dev.agentwarden.core.audit.HashValue;
import dev.agentwarden.core.audit.MerkleRange;
import dev.agentwarden.core.audit.MerkleTree;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The perfect Merkle subtrees one proof needs, from {@code audit_tree_nodes}: subtrees of
 * {@code 2^MIN_LEVEL} leaves and more are stored rows, smaller ones are hashed from the leaves of
 * their block of {@code 2^MIN_LEVEL} events. An RFC 9162 proof visits O(log n) subtrees, and
 * the small ones lie in at most two blocks (the one holding the leaf or the old tree's end, and
 * the partial block at the tree's end), so a proof reads O(log n) rows.
 *
 * <p>Subtrees completed before the table existed have no row: each of those is recomputed by
 * streaming its event hashes (largest first, collecting every needed subtree inside it on the
 * way), so an old log costs at most one pass over its events and O(log n) memory.
 */
final class TreeNodes implements MerkleTree.PerfectSubtrees {
  /** Appends store the subtrees at this level and above (256 leaves and more). */
  static final int MIN_LEVEL = 8;
  private static final int FETCH = 1_000;
  private static final HashValue PLACEHOLDER = HashValue.of(new byte[32]);

  /** A stored subtree: leaves {@code [index * 2^level, (index + 1) * 2^level)} hash to {@code hash}. */
  record Node(int level, long index, HashValue hash) {}

  private record Key(int level, long index) {
    long firstLeaf() {
      return index << level;
    }
  }

  private final Map<Key, HashValue> nodes;
  private final Map<Long, List<HashValue>> blocks;

  private TreeNodes(Map<Key, HashValue> nodes, Map<Long, List<HashValue>> blocks) {
    this.nodes = nodes;
    this.blocks = blocks;
  }

  /** The statement that writes the subtrees an append completed, in the append's transaction. */
  static Optional<Tx.Update> insertion(Tx tx, List<Node> completed) throws SQLException {
    if (completed.isEmpty()) {
      return Optional.empty();
    }
    int n = completed.size();
    Integer[] levels = new Integer[n];
    Long[] indexes = new Long[n];
    byte[][] hashes = new byte[n][];
    for (int i = 0; i < n; i++) {
      levels[i] = completed.get(i).level();
      indexes[i] = completed.get(i).index();
      hashes[i] = completed.get(i).hash().bytes();
    }
    Connection c = tx.connection();
    return Optional.of(Tx.Update.of(
        "insert into audit_tree_nodes (tenant_id, level, idx, hash)"
            + " select ?, r.level::smallint, r.idx, r.hash from unnest(?::int[], ?::bigint[], ?::bytea[]) as r(level, idx, hash)",
        tx.tenant(), c.createArrayOf("int4", levels), c.createArrayOf("int8", indexes), c.createArrayOf("bytea", hashes)));
  }

  /**
   * Loads what {@code walk} (a run of the proof or root computations about to be made, over the
   * tree of the first {@code treeSize} events) asks for. The walk first runs against placeholder
   * hashes only to learn which subtrees it visits: the RFC 9162 recursion never branches on a hash.
   */
  static TreeNodes load(Tx tx, long treeSize, Consumer<MerkleTree.PerfectSubtrees> walk) throws SQLException {
    Set<Key> wanted = new LinkedHashSet<>();
    Set<Long> wantedBlocks = new TreeSet<>();
    walk.accept((level, index) -> {
      if (level >= MIN_LEVEL) {
        wanted.add(new Key(level, index));
      } else {
        wantedBlocks.add((index << level) >>> MIN_LEVEL);
      }
      return PLACEHOLDER;
    });
    Map<Key, HashValue> nodes = stored(tx, wanted);
    List<Key> missing = new ArrayList<>(wanted.stream().filter(k -> !nodes.containsKey(k)).toList());
    missing.sort(Comparator.comparingInt(Key::level).reversed());
    for (Key k : missing) {
      if (!nodes.containsKey(k)) {
        recompute(tx, k, wanted, nodes);
      }
    }
    Map<Long, List<HashValue>> blocks = new HashMap<>();
    for (long b : wantedBlocks) {
      blocks.put(b, leaves(tx, b << MIN_LEVEL, Math.min((b + 1) << MIN_LEVEL, treeSize)));
    }
    return new TreeNodes(nodes, blocks);
  }

  private static Map<Key, HashValue> stored(Tx tx, Set<Key> wanted) throws SQLException {
    Map<Key, HashValue> out = new HashMap<>();
    if (wanted.isEmpty()) {
      return out;
    }
    Integer[] levels = wanted.stream().map(Key::level).toArray(Integer[]::new);
    Long[] indexes = wanted.stream().map(Key::index).toArray(Long[]::new);
    Connection c = tx.connection();
    tx.forEach(
        "select n.level, n.idx, n.hash from audit_tree_nodes n"
            + " join unnest(?::int[], ?::bigint[]) as w(level, idx) on n.level = w.level and n.idx = w.idx"
            + " where n.tenant_id = ?",
        FETCH,
        rs -> {
          out.put(new Key(rs.getInt(1), rs.getLong(2)), HashValue.of(rs.getBytes(3)));
          return null;
        },
        c.createArrayOf("int4", levels), c.createArrayOf("int8", indexes), tx.tenant());
    return out;
  }

  /** Streams the events under {@code k}, keeping every wanted subtree completed on the way. */
  private static void recompute(Tx tx, Key k, Set<Key> wanted, Map<Key, HashValue> nodes) throws SQLException {
    long first = k.firstLeaf();
    MerkleRange range = new MerkleRange();
    MerkleRange.CompletedSubtree keep = (level, index, hash) -> {
      Key found = new Key(level, (first >>> level) + index);
      if (wanted.contains(found)) {
        nodes.put(found, hash);
      }
    };
    tx.forEach("select hash from audit_events where tenant_id = ? and seq > ? and seq <= ? order by seq", FETCH, rs -> {
      range.append(MerkleTree.leafHash(HashValue.of(rs.getBytes(1))), keep);
      return null;
    }, tx.tenant(), first, first + (1L << k.level()));
    if (!nodes.containsKey(k)) {
      throw new StoreException("audit_proof_failed", "audit events are missing under Merkle subtree " + k);
    }
  }

  /** Leaf hashes of leaves {@code [from, to)}, i.e. of events {@code from + 1 .. to}. */
  private static List<HashValue> leaves(Tx tx, long from, long to) throws SQLException {
    List<HashValue> out = tx.query("select hash from audit_events where tenant_id = ? and seq > ? and seq <= ? order by seq",
        rs -> MerkleTree.leafHash(HashValue.of(rs.getBytes(1))), tx.tenant(), from, to);
    if (out.size() != to - from) {
      throw new StoreException("audit_proof_failed", "audit events " + (from + 1) + ".." + to + " are incomplete");
    }
    return out;
  }

  @Override
  public HashValue hash(int level, long index) {
    if (level >= MIN_LEVEL) {
      HashValue h = nodes.get(new Key(level, index));
      if (h == null) {
        throw new StoreException("audit_proof_failed", "Merkle subtree " + level + "/" + index + " was not loaded");
      }
      return h;
    }
    long firstLeaf = index << level;
    List<HashValue> block = blocks.get(firstLeaf >>> MIN_LEVEL);
    if (block == null) {
      throw new StoreException("audit_proof_failed", "Merkle subtree " + level + "/" + index + " was not loaded");
    }
    return small(block, (int) (firstLeaf & ((1 << MIN_LEVEL) - 1)), level);
  }

  private static HashValue small(List<HashValue> block, int from, int level) {
    if (level == 0) {
      return block.get(from);
    }
    int half = 1 << (level - 1);
    return MerkleTree.nodeHash(small(block, from, level - 1), small(block, from + half, level - 1));
  }
}
