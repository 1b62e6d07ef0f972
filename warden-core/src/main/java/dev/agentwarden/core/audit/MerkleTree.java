package dev.agentwarden.core.audit;

import dev.agentwarden.core.crypto.Sha256;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The Merkle tree of RFC 9162 section 2.1 (the RFC 6962 tree): leaf hash
 * {@code SHA-256(0x00 || leaf)}, node hash {@code SHA-256(0x01 || left || right)}, the empty tree
 * hashes to {@code SHA-256("")}. Over an audit chain, leaf {@code i} is the 32-byte hash of the
 * event with {@code seq = i + 1}.
 *
 * <p>Proof generation asks a {@link PerfectSubtrees} for the hashes of the aligned perfect
 * subtrees the RFC 9162 recursion visits: over a list of leaf hashes that costs O(n) hashing, over
 * stored subtree hashes O(log n) look-ups. Verification follows the RFC 9162 algorithms (2.1.3.2
 * and 2.1.4.2) literally and never throws on hostile input: a malformed proof simply does not
 * verify.
 */
public final class MerkleTree {
  private static final HashValue EMPTY_ROOT = HashValue.wrap(Sha256.hash());

  private MerkleTree() {}

  /** Root of the empty tree. */
  public static HashValue emptyRoot() {
    return EMPTY_ROOT;
  }

  /** {@code SHA-256(0x00 || leaf)}. */
  public static HashValue leafHash(byte[] leaf) {
    return HashValue.wrap(Sha256.newHasher().update((byte) 0).update(leaf).digest());
  }

  /** The leaf hash of an audit event: the leaf is the event's 32-byte chain hash. */
  public static HashValue leafHash(HashValue eventHash) {
    return leafHash(eventHash.raw());
  }

  /** {@code SHA-256(0x01 || left || right)}. */
  public static HashValue nodeHash(HashValue left, HashValue right) {
    return HashValue.wrap(Sha256.newHasher().update((byte) 1).update(left.raw()).update(right.raw()).digest());
  }

  /**
   * The hashes of the perfect subtrees of a tree: {@code hash(level, index)} is the MTH of leaves
   * {@code [index * 2^level, (index + 1) * 2^level)}; level 0 is the leaf hashes themselves.
   */
  @FunctionalInterface
  public interface PerfectSubtrees {
    HashValue hash(int level, long index);
  }

  /** Computes every perfect subtree from a list of leaf hashes. */
  private static PerfectSubtrees over(List<HashValue> leafHashes) {
    return new PerfectSubtrees() {
      @Override
      public HashValue hash(int level, long index) {
        return level == 0
            ? leafHashes.get((int) index)
            : nodeHash(hash(level - 1, 2 * index), hash(level - 1, 2 * index + 1));
      }
    };
  }

  /** The Merkle tree hash (MTH) over the given leaf hashes. */
  public static HashValue root(List<HashValue> leafHashes) {
    Objects.requireNonNull(leafHashes, "leafHashes");
    return root(leafHashes.size(), over(leafHashes));
  }

  /** The Merkle tree hash of the first {@code size} leaves, from their perfect subtrees. */
  public static HashValue root(long size, PerfectSubtrees nodes) {
    if (size < 0) {
      throw new AuditException("invalid_proof_request", "tree size " + size + " is negative");
    }
    return size == 0 ? EMPTY_ROOT : subtree(nodes, 0, size);
  }

  /**
   * The audit path (RFC 9162 PATH) for leaf {@code index} in the tree over all of
   * {@code leafHashes}, ordered from the leaf upwards.
   */
  public static List<HashValue> inclusionProof(List<HashValue> leafHashes, long index) {
    return inclusionProof(leafHashes.size(), index, over(leafHashes));
  }

  /** As {@link #inclusionProof(List, long)}, in the tree of {@code n} leaves given by {@code nodes}. */
  public static List<HashValue> inclusionProof(long n, long index, PerfectSubtrees nodes) {
    if (index < 0 || index >= n) {
      throw new AuditException("invalid_proof_request", "leaf index " + index + " is outside a tree of size " + n);
    }
    List<HashValue> proof = new ArrayList<>();
    path(index, nodes, 0, n, proof);
    return Collections.unmodifiableList(proof);
  }

  /**
   * The consistency proof (RFC 9162 PROOF) between the tree over the first {@code oldSize} leaves
   * and the tree over all of {@code leafHashes}.
   */
  public static List<HashValue> consistencyProof(List<HashValue> leafHashes, long oldSize) {
    return consistencyProof(leafHashes.size(), oldSize, over(leafHashes));
  }

  /** As {@link #consistencyProof(List, long)}, for the tree of {@code n} leaves given by {@code nodes}. */
  public static List<HashValue> consistencyProof(long n, long oldSize, PerfectSubtrees nodes) {
    if (oldSize < 0 || oldSize > n) {
      throw new AuditException(
          "invalid_proof_request", "tree size " + oldSize + " is not between 0 and " + n);
    }
    List<HashValue> proof = new ArrayList<>();
    if (oldSize > 0 && oldSize < n) {
      subproof(oldSize, nodes, 0, n, true, proof);
    }
    return Collections.unmodifiableList(proof);
  }

  /** RFC 9162 2.1.3.2: does {@code proof} place {@code leafHash} at {@code index} under {@code root}? */
  public static boolean verifyInclusion(
      long index, long treeSize, HashValue leafHash, List<HashValue> proof, HashValue root) {
    if (index < 0 || treeSize <= 0 || index >= treeSize || proof == null || leafHash == null || root == null) {
      return false;
    }
    long fn = index;
    long sn = treeSize - 1;
    HashValue r = leafHash;
    for (HashValue p : proof) {
      if (p == null || sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && r.equals(root);
  }

  /** RFC 9162 2.1.4.2: is the tree of {@code size2} an append-only extension of that of {@code size1}? */
  public static boolean verifyConsistency(
      long size1, long size2, HashValue root1, HashValue root2, List<HashValue> proof) {
    if (size1 < 0 || size2 < size1 || proof == null || root1 == null || root2 == null) {
      return false;
    }
    if (size1 == size2) {
      return proof.isEmpty() && root1.equals(root2);
    }
    if (size1 == 0) {
      return proof.isEmpty();
    }
    if (proof.isEmpty() || proof.contains(null)) {
      return false;
    }
    List<HashValue> path = proof;
    if (Long.bitCount(size1) == 1) {
      path = new ArrayList<>(proof.size() + 1);
      path.add(root1);
      path.addAll(proof);
    }
    long fn = size1 - 1;
    long sn = size2 - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    HashValue fr = path.get(0);
    HashValue sr = path.get(0);
    for (int i = 1; i < path.size(); i++) {
      HashValue c = path.get(i);
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return fr.equals(root1) && sr.equals(root2) && sn == 0;
  }

  /** Largest power of two strictly smaller than {@code n} (n >= 2). */
  static long split(long n) {
    return Long.highestOneBit(n - 1);
  }

  /**
   * MTH of leaves {@code [from, from + size)}. The recursion only reaches ranges whose start is a
   * multiple of a power of two at least their size, so a perfect range is an aligned subtree.
   */
  private static HashValue subtree(PerfectSubtrees nodes, long from, long size) {
    if (Long.bitCount(size) == 1) {
      return nodes.hash(Long.numberOfTrailingZeros(size), from / size);
    }
    long k = split(size);
    return nodeHash(subtree(nodes, from, k), subtree(nodes, from + k, size - k));
  }

  private static void path(long m, PerfectSubtrees nodes, long from, long size, List<HashValue> out) {
    if (size <= 1) {
      return;
    }
    long k = split(size);
    if (m < k) {
      path(m, nodes, from, k, out);
      out.add(subtree(nodes, from + k, size - k));
    } else {
      path(m - k, nodes, from + k, size - k, out);
      out.add(subtree(nodes, from, k));
    }
  }

  private static void subproof(long m, PerfectSubtrees nodes, long from, long size, boolean complete, List<HashValue> out) {
    if (m == size) {
      if (!complete) {
        out.add(subtree(nodes, from, size));
      }
      return;
    }
    long k = split(size);
    if (m <= k) {
      subproof(m, nodes, from, k, complete, out);
      out.add(subtree(nodes, from + k, size - k));
    } else {
      subproof(m - k, nodes, from + k, size - k, false, out);
      out.add(subtree(nodes, from, k));
    }
  }
}
