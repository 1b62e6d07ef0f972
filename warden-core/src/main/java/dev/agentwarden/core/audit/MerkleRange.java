package dev.agentwarden.core.audit;

import dev.agentwarden.core.crypto.Sha256;
import java.util.Arrays;
import java.util.List;

/**
 * The root of a growing Merkle tree in O(log n) memory: a stack of the perfect subtrees that
 * cover the leaves so far (a "compact range"). Lets a streaming verifier compute the tree head of
 * millions of events without holding them.
 */
public final class MerkleRange {
  // At most one subtree per bit of the size.
  private final HashValue[] hashes = new HashValue[64];
  private final long[] sizes = new long[64];
  private int count;
  private long size;
  private final Sha256 hasher = Sha256.newHasher();

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
        r.hashes[r.count] = java.util.Objects.requireNonNull(frontier.get(i++), "frontier");
        r.sizes[r.count++] = s;
      }
    }
    r.size = size;
    return r;
  }

  /** The roots of the perfect subtrees, left to right: what {@link #restore} takes back. */
  public List<HashValue> frontier() {
    return List.of(Arrays.copyOf(hashes, count));
  }

  /** Receives each perfect subtree of two leaves or more that an append completes. */
  @FunctionalInterface
  public interface CompletedSubtree {
    /** The subtree of leaves {@code [index * 2^level, (index + 1) * 2^level)} hashes to {@code hash}. */
    void completed(int level, long index, HashValue hash);
  }

  /** Appends one leaf hash. */
  public void append(HashValue leafHash) {
    append(leafHash, (level, index, hash) -> {});
  }

  /** Appends one leaf hash, telling {@code completed} about every subtree it completes, smallest first. */
  public void append(HashValue leafHash, CompletedSubtree completed) {
    HashValue h = leafHash;
    long s = 1;
    while (count > 0 && sizes[count - 1] == s) {
      count--;
      h = nodeHash(hashes[count], h);
      s += sizes[count];
      int level = Long.numberOfTrailingZeros(s);
      completed.completed(level, (size + 1 - s) >>> level, h);
    }
    hashes[count] = h;
    sizes[count++] = s;
    size++;
  }

  /** Appends the leaf of an audit event: {@link MerkleTree#leafHash(HashValue)} of its hash. */
  void appendEvent(HashValue eventHash) {
    append(HashValue.wrap(hasher.update((byte) 0).update(eventHash.raw()).digest()));
  }

  private HashValue nodeHash(HashValue left, HashValue right) {
    return HashValue.wrap(hasher.update((byte) 1).update(left.raw()).update(right.raw()).digest());
  }

  /** Number of leaves appended. */
  public long size() {
    return size;
  }

  /** The RFC 9162 tree hash of the leaves so far. */
  public HashValue root() {
    if (count == 0) {
      return MerkleTree.emptyRoot();
    }
    HashValue r = hashes[count - 1];
    for (int i = count - 2; i >= 0; i--) {
      r = nodeHash(hashes[i], r);
    }
    return r;
  }
}
