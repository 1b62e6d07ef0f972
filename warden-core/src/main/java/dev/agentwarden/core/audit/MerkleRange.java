package dev.agentwarden.core.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * The root of a growing Merkle tree in O(log n) memory: a stack of the perfect subtrees that
 * cover the leaves so far (a "compact range"). Lets a streaming verifier compute the tree head of
 * millions of events without holding them.
 */
public final class MerkleRange {
  private final List<HashValue> hashes = new ArrayList<>();
  private final List<Long> sizes = new ArrayList<>();
  private long size;

  /** An empty range. */
  public MerkleRange() {}

  /**
   * Restores a range saved with {@link #frontier()}: the roots of the perfect subtrees covering
   * {@code size} leaves, left to right (their sizes are the binary digits of {@code size}).
   */
  public static MerkleRange restore(long size, List<HashValue> frontier) {
    if (size < 0 || frontier.size() != Long.bitCount(size)) {
      throw new AuditException("invalid_merkle_range", "a range of " + size + " leaves has " + Long.bitCount(size) + " subtree roots");
    }
    MerkleRange r = new MerkleRange();
    int i = 0;
    for (int bit = 62; bit >= 0; bit--) {
      long s = 1L << bit;
      if ((size & s) != 0) {
        r.hashes.add(java.util.Objects.requireNonNull(frontier.get(i++), "frontier"));
        r.sizes.add(s);
      }
    }
    r.size = size;
    return r;
  }

  /** The roots of the perfect subtrees, left to right: what {@link #restore} takes back. */
  public List<HashValue> frontier() {
    return List.copyOf(hashes);
  }

  /** Appends one leaf hash. */
  public void append(HashValue leafHash) {
    HashValue h = leafHash;
    long s = 1;
    while (!sizes.isEmpty() && sizes.getLast() == s) {
      h = MerkleTree.nodeHash(hashes.removeLast(), h);
      s += sizes.removeLast();
    }
    hashes.add(h);
    sizes.add(s);
    size++;
  }

  /** Number of leaves appended. */
  public long size() {
    return size;
  }

  /** The RFC 9162 tree hash of the leaves so far. */
  public HashValue root() {
    if (hashes.isEmpty()) {
      return MerkleTree.emptyRoot();
    }
    HashValue r = hashes.getLast();
    for (int i = hashes.size() - 2; i >= 0; i--) {
      r = MerkleTree.nodeHash(hashes.get(i), r);
    }
    return r;
  }
}
