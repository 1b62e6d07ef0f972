package dev.agentwarden.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Published Certificate Transparency vectors (RFC 6962 reference tree of eight leaves, as in
 * certificate-transparency's merkle_tree_test and the Go verifier tests), then properties over
 * random trees.
 */
class MerkleTreeTest {
  private static final String[] LEAVES = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"
  };
  private static final String[] ROOTS = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };

  private static List<HashValue> referenceLeaves(int n) {
    List<HashValue> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(MerkleTree.leafHash(HexFormat.of().parseHex(LEAVES[i])));
    }
    return out;
  }

  private static List<HashValue> hashes(String csv) {
    List<HashValue> out = new ArrayList<>();
    for (String h : csv.trim().split("\\s+")) {
      if (!h.isEmpty()) {
        out.add(HashValue.parse(h));
      }
    }
    return out;
  }

  @Test
  void emptyTree_hashesToSha256OfNothing() {
    assertThat(MerkleTree.root(List.of()).hex())
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(new MerkleRange().root()).isEqualTo(MerkleTree.emptyRoot());
  }

  @Test
  void referenceTree_rootsMatchPublishedVectorsForEverySize() {
    MerkleRange range = new MerkleRange();
    for (int n = 1; n <= 8; n++) {
      assertThat(MerkleTree.root(referenceLeaves(n)).hex()).as("size %d", n).isEqualTo(ROOTS[n - 1]);
      range.append(referenceLeaves(8).get(n - 1));
      assertThat(range.root().hex()).as("compact range size %d", n).isEqualTo(ROOTS[n - 1]);
    }
  }

  @ParameterizedTest(name = "leaf {0} of {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0|1|",
        "0|8|96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        "5|8|bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "2|3|fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "1|5|6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      })
  void referenceInclusionProofs_matchPublishedVectorsAndVerify(int index, int size, String expected) {
    List<HashValue> leaves = referenceLeaves(size);
    List<HashValue> proof = MerkleTree.inclusionProof(leaves, index);
    assertThat(proof).isEqualTo(hashes(expected == null ? "" : expected));
    HashValue root = HashValue.parse(ROOTS[size - 1]);
    assertThat(MerkleTree.verifyInclusion(index, size, leaves.get(index), proof, root)).isTrue();
    assertThat(MerkleTree.verifyInclusion(index + 1, size, leaves.get(index), proof, root)).isFalse();
    assertThat(MerkleTree.verifyInclusion(index, size * 2L, leaves.get(index), proof, root)).isFalse();
    assertThat(MerkleTree.verifyInclusion(index, size, MerkleTree.leafHash(new byte[] {1}), proof, root)).isFalse();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "1|1|",
        "1|8|96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        "6|8|0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0 d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "2|5|5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      })
  void referenceConsistencyProofs_matchPublishedVectorsAndVerify(int size1, int size2, String expected) {
    List<HashValue> proof = MerkleTree.consistencyProof(referenceLeaves(size2), size1);
    assertThat(proof).isEqualTo(hashes(expected == null ? "" : expected));
    HashValue root1 = HashValue.parse(ROOTS[size1 - 1]);
    HashValue root2 = HashValue.parse(ROOTS[size2 - 1]);
    assertThat(MerkleTree.verifyConsistency(size1, size2, root1, root2, proof)).isTrue();
    if (!proof.isEmpty()) {
      assertThat(MerkleTree.verifyConsistency(size1, size2, root2, root1, proof)).isFalse();
      assertThat(MerkleTree.verifyConsistency(size1 + 1, size2, root1, root2, proof)).isFalse();
      assertThat(MerkleTree.verifyConsistency(size1, size2, root1, root2, proof.subList(0, proof.size() - 1))).isFalse();
    }
  }

  @Test
  void inclusionProofs_verifyForEveryLeafOfRandomTrees_andFailWhenAnyElementChanges() {
    Random random = new Random(9162);
    for (int n = 1; n <= 70; n++) {
      List<HashValue> leaves = randomLeaves(random, n);
      HashValue root = MerkleTree.root(leaves);
      MerkleRange range = new MerkleRange();
      leaves.forEach(range::append);
      assertThat(range.root()).isEqualTo(root);
      for (int i = 0; i < n; i++) {
        List<HashValue> proof = MerkleTree.inclusionProof(leaves, i);
        assertThat(MerkleTree.verifyInclusion(i, n, leaves.get(i), proof, root)).as("leaf %d of %d", i, n).isTrue();
        for (int j = 0; j < proof.size(); j++) {
          List<HashValue> bad = new ArrayList<>(proof);
          bad.set(j, MerkleTree.emptyRoot());
          assertThat(MerkleTree.verifyInclusion(i, n, leaves.get(i), bad, root)).isFalse();
        }
        List<HashValue> longer = new ArrayList<>(proof);
        longer.add(root);
        assertThat(MerkleTree.verifyInclusion(i, n, leaves.get(i), longer, root)).isFalse();
        if (n > 1) {
          int other = (i + 1) % n;
          assertThat(MerkleTree.verifyInclusion(other, n, leaves.get(i), proof, root)).as("leaf %d as %d of %d", i, other, n).isFalse();
        }
      }
    }
  }

  @Test
  void consistencyProofs_verifyForEveryPairOfSizes_andFailForARewrittenPrefix() {
    Random random = new Random(6962);
    List<HashValue> leaves = randomLeaves(random, 40);
    for (int n = 1; n <= leaves.size(); n++) {
      List<HashValue> prefixN = leaves.subList(0, n);
      HashValue rootN = MerkleTree.root(prefixN);
      for (int m = 0; m <= n; m++) {
        HashValue rootM = MerkleTree.root(leaves.subList(0, m));
        List<HashValue> proof = MerkleTree.consistencyProof(prefixN, m);
        assertThat(MerkleTree.verifyConsistency(m, n, rootM, rootN, proof)).as("%d -> %d", m, n).isTrue();
        if (m > 0 && m < n) {
          // A log that rewrote one old entry cannot prove it only grew.
          List<HashValue> rewritten = new ArrayList<>(prefixN);
          rewritten.set(random.nextInt(m), MerkleTree.leafHash(new byte[] {42}));
          HashValue forgedRoot = MerkleTree.root(rewritten);
          assertThat(MerkleTree.verifyConsistency(m, n, rootM, forgedRoot, MerkleTree.consistencyProof(rewritten, m)))
              .isFalse();
        }
      }
    }
  }

  @Test
  void restoredRange_continuesExactlyLikeTheOriginal() {
    Random random = new Random(42);
    List<HashValue> leaves = randomLeaves(random, 100);
    MerkleRange original = new MerkleRange();
    for (int n = 0; n < leaves.size(); n++) {
      MerkleRange restored = MerkleRange.restore(original.size(), original.frontier());
      assertThat(restored.root()).isEqualTo(original.root());
      restored.append(leaves.get(n));
      original.append(leaves.get(n));
      assertThat(restored.root()).isEqualTo(original.root()).isEqualTo(MerkleTree.root(leaves.subList(0, n + 1)));
    }
    assertThatThrownBy(() -> MerkleRange.restore(3, List.of(MerkleTree.emptyRoot()))).isInstanceOf(AuditException.class);
  }

  @Test
  void proofRequestsOutsideTheTree_areRefused() {
    List<HashValue> leaves = referenceLeaves(3);
    assertThatThrownBy(() -> MerkleTree.inclusionProof(leaves, 3)).isInstanceOf(AuditException.class);
    assertThatThrownBy(() -> MerkleTree.inclusionProof(leaves, -1)).isInstanceOf(AuditException.class);
    assertThatThrownBy(() -> MerkleTree.consistencyProof(leaves, 4)).isInstanceOf(AuditException.class);
    assertThat(MerkleTree.verifyInclusion(0, 0, leaves.get(0), List.of(), MerkleTree.emptyRoot())).isFalse();
    assertThat(MerkleTree.verifyConsistency(2, 1, MerkleTree.emptyRoot(), MerkleTree.emptyRoot(), List.of())).isFalse();
  }

  @Test
  void proofsFromCompletedSubtrees_equalProofsFromTheLeaves() {
    // Subtrees of 4 leaves and more come only from what appends reported; smaller ones from leaves.
    List<HashValue> leaves = randomLeaves(new Random(7), 70);
    java.util.Map<String, HashValue> reported = new java.util.HashMap<>();
    MerkleRange range = new MerkleRange();
    for (int n = 1; n <= leaves.size(); n++) {
      range.append(leaves.get(n - 1), (level, index, hash) -> reported.put(level + "/" + index, hash));
      List<HashValue> prefix = leaves.subList(0, n);
      MerkleTree.PerfectSubtrees nodes = new MerkleTree.PerfectSubtrees() {
        @Override
        public HashValue hash(int level, long index) {
          if (level >= 2) {
            return java.util.Objects.requireNonNull(reported.get(level + "/" + index), level + "/" + index);
          }
          return level == 0 ? prefix.get((int) index) : MerkleTree.nodeHash(hash(0, 2 * index), hash(0, 2 * index + 1));
        }
      };
      assertThat(MerkleTree.root(n, nodes)).as("root %d", n).isEqualTo(MerkleTree.root(prefix)).isEqualTo(range.root());
      for (int i = 0; i < n; i++) {
        assertThat(MerkleTree.inclusionProof(n, i, nodes)).as("leaf %d of %d", i, n)
            .isEqualTo(MerkleTree.inclusionProof(prefix, i));
      }
      for (int m = 0; m <= n; m++) {
        assertThat(MerkleTree.consistencyProof(n, m, nodes)).as("%d to %d", m, n)
            .isEqualTo(MerkleTree.consistencyProof(prefix, m));
      }
    }
    assertThat(reported).containsEntry("6/0", MerkleTree.root(leaves.subList(0, 64)))
        .containsEntry("3/7", MerkleTree.root(leaves.subList(56, 64)));
  }

  private static List<HashValue> randomLeaves(Random random, int n) {
    List<HashValue> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] data = new byte[16 + random.nextInt(24)]; // distinct leaves, so a moved index must fail
      random.nextBytes(data);
      out.add(MerkleTree.leafHash(data));
    }
    return out;
  }
}
