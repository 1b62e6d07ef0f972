package dev.agentwarden.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.VerificationResult.Failed;
import dev.agentwarden.core.audit.VerificationResult.Reason;
import dev.agentwarden.core.audit.VerificationResult.Verified;
import dev.agentwarden.core.crypto.Ed25519;
import dev.agentwarden.core.json.CanonicalJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExportVerifierTest {
  private static final String T = AuditFixture.TENANT;
  private static final int N = 50;
  /** Export lines: header, one key, events 1..N at index seq + 1, head. */
  private static final int FIRST_EVENT_LINE = 2;

  private final AuditSigner signer = AuditFixture.signer(7, AuditFixture.T0);
  private final AuditSigner foreign = AuditFixture.signer(66, AuditFixture.T0);
  private final List<AuditEvent> events = AuditFixture.chain(T, N, signer);
  private final List<String> export = AuditFixture.export(T, events, List.of(signer.key()), signer);
  private final AuditKeyring trusted = AuditKeyring.of(List.of(signer.key()));

  private static int lineOf(long seq) {
    return FIRST_EVENT_LINE + (int) seq - 1;
  }

  /** Verifies with every signature checked and with sampled signatures; both must agree. */
  private static VerificationResult verify(List<String> lines, Optional<AuditKeyring> keys, Optional<TreeHead> checkpoint) {
    VerificationResult every = verify(lines, keys, checkpoint, ExportVerifier.SignatureChecks.EVERY_EVENT);
    VerificationResult sampled = verify(lines, keys, checkpoint, ExportVerifier.SignatureChecks.SAMPLED);
    assertThat(sampled.failure()).isEqualTo(every.failure());
    return every;
  }

  /** Feeds the lines as strings and, separately, as UTF-8 bytes; both must agree. */
  private static VerificationResult verify(
      List<String> lines, Optional<AuditKeyring> keys, Optional<TreeHead> checkpoint, ExportVerifier.SignatureChecks checks) {
    ExportVerifier v = ExportVerifier.create(keys, checkpoint, checks);
    for (String line : lines) {
      if (!v.accept(line)) {
        break;
      }
    }
    ExportVerifier fromBytes = ExportVerifier.create(keys, checkpoint, checks);
    for (String line : lines) {
      byte[] padded = ("xx" + line + "\n").getBytes(StandardCharsets.UTF_8);
      if (!fromBytes.accept(padded, 2, padded.length - 3)) {
        break;
      }
    }
    VerificationResult result = v.finish();
    assertThat(fromBytes.finish()).isEqualTo(result);
    assertThat(inBlocks(lines, keys, checkpoint, checks)).isEqualTo(result);
    return result;
  }

  /** Feeds the lines to acceptAll in blocks of seven, hashed (and signatures checked) on two threads. */
  private static VerificationResult inBlocks(
      List<String> lines, Optional<AuditKeyring> keys, Optional<TreeHead> checkpoint, ExportVerifier.SignatureChecks checks) {
    StringBuilder all = new StringBuilder();
    int[] starts = new int[lines.size()];
    int[] lengths = new int[lines.size()];
    int at = 0;
    for (int i = 0; i < lines.size(); i++) {
      int length = lines.get(i).getBytes(StandardCharsets.UTF_8).length;
      starts[i] = at;
      lengths[i] = length;
      at += length + 1;
      all.append(lines.get(i)).append('\n');
    }
    byte[] buf = all.toString().getBytes(StandardCharsets.UTF_8);
    ExportVerifier v = ExportVerifier.create(keys, checkpoint, checks);
    for (int from = 0; from < lines.size(); from += 7) {
      int to = Math.min(lines.size(), from + 7);
      if (!v.acceptAll(buf, java.util.Arrays.copyOfRange(starts, from, to), java.util.Arrays.copyOfRange(lengths, from, to), to - from, 2)) {
        break;
      }
    }
    return v.finish();
  }

  private VerificationResult verify(List<String> lines) {
    return verify(lines, Optional.of(trusted), Optional.empty());
  }

  private static void assertFails(VerificationResult r, long seq, Reason reason) {
    assertThat(r).isInstanceOf(Failed.class);
    Failed f = (Failed) r;
    assertThat(f.reason()).as(f.detail()).isEqualTo(reason);
    assertThat(f.seq()).as(f.detail()).isEqualTo(seq);
  }

  @Test
  void intactExport_verifiesWithCountAndHead() {
    VerificationResult r = verify(export);
    assertThat(r).isInstanceOf(Verified.class);
    Verified v = (Verified) r;
    assertThat(v.count()).isEqualTo(N);
    assertThat(v.lastSeq()).isEqualTo(N);
    assertThat(v.head().chainHead()).isEqualTo(events.getLast().hash());
    assertThat(v.complete()).isTrue();
    assertThat(v.anchored()).isTrue();
    assertThat(verify(export, Optional.empty(), Optional.empty()).isVerified()).isTrue();
  }

  @Test
  void emptyLog_verifies() {
    List<String> lines = AuditFixture.export(T, List.of(), List.of(signer.key()), signer);
    VerificationResult r = verify(lines);
    assertThat(r.isVerified()).as(r.toString()).isTrue();
    assertThat(((Verified) r).count()).isZero();
  }

  @Test
  void oneByteOfABodyChanged_failsWithHashMismatchAtThatSeq() {
    List<String> lines = new ArrayList<>(export);
    String line = lines.get(lineOf(17));
    lines.set(lineOf(17), line.replace("allow-docs-17", "allow-docs-18"));
    assertFails(verify(lines), 17, Reason.HASH_MISMATCH);
  }

  @Test
  void eventLinesInAnotherSpelling_stillVerify() {
    List<String> lines = new ArrayList<>(export);
    for (long seq = 1; seq <= N; seq += 7) {
      String line = lines.get(lineOf(seq));
      lines.set(lineOf(seq), " " + line.replace(",\"kind\":\"event\"", "")
          .replace("{\"actor\"", "{\"kind\":\"event\",\"actor\"").replace(",\"", ", \""));
    }
    VerificationResult r = verify(lines);
    assertThat(r.isVerified()).as(r.toString()).isTrue();
  }

  @Test
  void bodiesWithQuotesBracketsEscapesAndNonAscii_verify_andATamperedOneFailsAtItsSeq() {
    List<AuditEvent> tricky = new ArrayList<>();
    HashValue prev = AuditChain.genesis(T);
    String[] texts = {"}]\",\"hash\":\"", "tab\tnew\nline\u0001", "\\\"", "日本語 €", "{[\"x\"]}", ""};
    for (int i = 0; i < texts.length; i++) {
      ObjectNode body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      body.put("text", texts[i]);
      body.putObject("nested").putArray("list").add(texts[i]).addObject().put("k\"ey}", -0.5);
      AuditEntry entry = new AuditEntry(T, AuditFixture.T0.plusSeconds(i), "user:\"quoted\"", AuditEventType.TOOL_CALLED, body);
      AuditEvent e = AuditChain.seal(entry, i + 1, prev, signer);
      tricky.add(e);
      prev = e.hash();
    }
    List<String> lines = AuditFixture.export(T, tricky, List.of(signer.key()), signer);
    VerificationResult r = verify(lines);
    assertThat(r.isVerified()).as(r.toString()).isTrue();
    List<String> tampered = new ArrayList<>(lines);
    tampered.set(lineOf(4), tampered.get(lineOf(4)).replace("日本語", "日本人"));
    assertFails(verify(tampered), 4, Reason.HASH_MISMATCH);
  }

  @Test
  void loneSurrogateInPlaceOfAQuestionMark_failsAtThatSeq() {
    List<String> lines = new ArrayList<>(export);
    String line = lines.get(lineOf(12));
    assertThat(line).contains("?q=");
    lines.set(lineOf(12), line.replace("?q=", "\uD800q="));
    ExportVerifier v = ExportVerifier.create(Optional.of(trusted), Optional.empty(), ExportVerifier.SignatureChecks.EVERY_EVENT);
    lines.forEach(v::accept);
    assertThat(v.finish()).isInstanceOf(Failed.class).extracting(r -> ((Failed) r).seq()).isEqualTo(12L);
  }

  @Test
  void memberAddedToAnEvent_failsWithHashMismatch() {
    List<String> lines = new ArrayList<>(export);
    lines.set(lineOf(9), lines.get(lineOf(9)).replace("{\"actor\"", "{\"approved_by\":\"mallory\",\"actor\""));
    assertFails(verify(lines), 9, Reason.HASH_MISMATCH);
  }

  @Test
  void lineDeleted_failsWithGapAtTheMissingSeq() {
    List<String> lines = new ArrayList<>(export);
    lines.remove(lineOf(23));
    assertFails(verify(lines), 23, Reason.GAP);
  }

  @Test
  void firstEventDeleted_failsWithGapAtSeqOne() {
    List<String> lines = new ArrayList<>(export);
    lines.remove(lineOf(1));
    assertFails(verify(lines), 1, Reason.GAP);
  }

  @Test
  void lastEventDeleted_failsBeforeTheHead() {
    List<String> lines = new ArrayList<>(export);
    lines.remove(lineOf(N));
    assertFails(verify(lines), N, Reason.TRUNCATED);
  }

  @Test
  void twoLinesSwapped_failsWithReorderAtTheFirstSwappedSeq() {
    List<String> lines = new ArrayList<>(export);
    Collections.swap(lines, lineOf(30), lineOf(31));
    assertFails(verify(lines), 30, Reason.REORDER);
  }

  @Test
  void lineDuplicated_failsWithDuplicateAtThatSeq() {
    List<String> lines = new ArrayList<>(export);
    lines.add(lineOf(12) + 1, lines.get(lineOf(12)));
    assertFails(verify(lines), 12, Reason.DUPLICATE);
  }

  @Test
  void earlierLineRepeatedLater_failsWithDuplicate() {
    List<String> lines = new ArrayList<>(export);
    lines.add(lineOf(40), lines.get(lineOf(5)));
    assertFails(verify(lines), 5, Reason.DUPLICATE);
  }

  @Test
  void tailTruncatedKeepingTheHead_failsWithTruncatedAtTheFirstMissingSeq() {
    List<String> lines = new ArrayList<>(export);
    String head = lines.getLast();
    List<String> cut = new ArrayList<>(lines.subList(0, lineOf(N - 3)));
    cut.add(head);
    assertFails(verify(cut), N - 3, Reason.TRUNCATED);
  }

  @Test
  void tailTruncatedWithTheHead_failsWithTruncated() {
    List<String> lines = new ArrayList<>(export.subList(0, lineOf(N - 5)));
    assertFails(verify(lines), N - 5, Reason.TRUNCATED);
    assertFails(verify(export.subList(0, export.size() - 1)), N + 1, Reason.TRUNCATED);
  }

  @Test
  void eventAppendedAfterTheHead_fails() {
    List<AuditEvent> longer = AuditFixture.extend(new ArrayList<>(events), T, 1, signer);
    List<String> lines = new ArrayList<>(export);
    lines.add(AuditExport.eventLine(longer.getLast()));
    assertFails(verify(lines), N + 1, Reason.APPENDED_AFTER_HEAD);
  }

  @Test
  void eventsBeyondTheHead_failWithHeadMismatch() {
    List<AuditEvent> longer = AuditFixture.extend(new ArrayList<>(events), T, 2, signer);
    List<String> lines = new ArrayList<>(export);
    lines.add(lines.size() - 1, AuditExport.eventLine(longer.get(N)));
    lines.add(lines.size() - 1, AuditExport.eventLine(longer.get(N + 1)));
    assertFails(verify(lines), N + 1, Reason.HEAD_MISMATCH);
  }

  @Test
  void rewrittenAndResignedWithAForeignKey_failsAtTheFirstRewrittenSeq() {
    // The attacker rewrites event 20, recomputes the chain from there, signs with their own key,
    // and publishes that key in the export as well.
    List<AuditEvent> forged = new ArrayList<>(events.subList(0, 19));
    HashValue prev = forged.getLast().hash();
    for (int seq = 20; seq <= N; seq++) {
      AuditEntry original = AuditFixture.entry(T, seq);
      ObjectNode body = original.body();
      if (seq == 20) {
        body.put("decision", "allow");
      }
      AuditEvent e = AuditChain.seal(new AuditEntry(T, original.ts(), original.actor(), original.type(), body), seq, prev, foreign);
      forged.add(e);
      prev = e.hash();
    }
    List<String> lines = AuditFixture.export(T, forged, List.of(signer.key(), foreign.key()), foreign);
    assertFails(verify(lines), 20, Reason.UNKNOWN_KEY);
    // Without a trust anchor the forgery is internally consistent: that is why --public-key exists.
    assertThat(verify(lines, Optional.empty(), Optional.empty()).isVerified()).isTrue();
  }

  @Test
  void resignedWithAForeignKeyUnderTheTrustedKeyId_failsWithBadSignature() {
    List<String> lines = new ArrayList<>(export);
    AuditEvent original = events.get(32); // seq 33
    Ed25519.SigningKey foreignKey = AuditFixture.privateKey(66);
    String forgedSig = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(foreignKey.sign(original.hash().bytes()));
    lines.set(lineOf(33), lines.get(lineOf(33)).replace(original.sig(), forgedSig));
    ExportVerifier.SignatureChecks every = ExportVerifier.SignatureChecks.EVERY_EVENT;
    assertFails(verify(lines, Optional.of(trusted), Optional.empty(), every), 33, Reason.BAD_SIGNATURE);
    assertFails(verify(lines, Optional.empty(), Optional.empty(), every), 33, Reason.BAD_SIGNATURE);
    // Sampling does not look at this one signature; the event's content is still proven by the chain.
    assertThat(verify(lines, Optional.of(trusted), Optional.empty(), ExportVerifier.SignatureChecks.SAMPLED).isVerified())
        .isTrue();
  }

  @Test
  void historyRewrittenAndSignedUnderTheTrustedKeyIdWithoutTheKey_failsAtTheFirstRewrittenSeqInBothModes() {
    int n = 3 * ExportVerifier.SAMPLE_STRIDE + 10;
    List<AuditEvent> genuine = AuditFixture.chain(T, n, signer);
    Ed25519.SigningKey foreignKey = AuditFixture.privateKey(66);
    for (int k : new int[] {1, 70, ExportVerifier.SAMPLE_STRIDE * 2, n - 3, n}) {
      List<String> lines = new ArrayList<>(AuditFixture.export(T, genuine, List.of(signer.key()), signer));
      HashValue prev = genuine.get(k - 1).prevHash();
      for (int seq = k; seq <= n; seq++) {
        ObjectNode content = genuine.get(seq - 1).contentJson();
        content.put("prev_hash", prev.hex());
        if (seq == k) {
          ((ObjectNode) content.get("body")).put("decision", "forged");
        }
        HashValue h = AuditChain.hashOf(prev, CanonicalJson.canonicalize(content));
        content.put("hash", h.hex());
        content.put("sig", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(foreignKey.sign(h.bytes())));
        content.put("kind", "event");
        lines.set(lineOf(seq), CanonicalJson.canonicalString(content));
        prev = h;
      }
      assertFails(verify(lines), k, Reason.BAD_SIGNATURE);
    }
  }

  @Test
  void publicKeyBlockReplaced_failsAtTheFirstEvent() {
    List<String> lines = new ArrayList<>(export);
    lines.set(1, AuditExport.keyLine(foreign.key()));
    assertFails(verify(lines), 1, Reason.UNKNOWN_KEY);
    assertFails(verify(lines, Optional.empty(), Optional.empty()), 1, Reason.UNKNOWN_KEY);
  }

  @Test
  void publicKeyBlockReplacedAndEverythingResigned_failsAgainstTheTrustedKey() {
    List<AuditEvent> forged = AuditFixture.chain(T, N, foreign);
    List<String> lines = AuditFixture.export(T, forged, List.of(foreign.key()), foreign);
    assertFails(verify(lines), 1, Reason.UNKNOWN_KEY);
  }

  @Test
  void headSignedByAForeignKey_failsWithBadSignatureOrUnknownKey() {
    List<String> lines = AuditFixture.export(T, events, List.of(signer.key(), foreign.key()), foreign);
    assertFails(verify(lines), N, Reason.UNKNOWN_KEY);
    ObjectNode head = (ObjectNode) CanonicalJson.parse(export.getLast());
    head.put("root_hash", MerkleTree.emptyRoot().hex());
    List<String> tampered = new ArrayList<>(export);
    tampered.set(tampered.size() - 1, CanonicalJson.canonicalString(head));
    assertFails(verify(tampered), N, Reason.BAD_SIGNATURE);
  }

  @Test
  void rotatedKeys_bothVerify_andAnEventAfterItsKeysRetirementFails() {
    java.time.Instant rotation = AuditFixture.T0.plusSeconds(25);
    AuditSigner first = AuditSigner.of(signer.key().retiredAt(rotation), AuditFixture.privateKey(7));
    AuditSigner second = AuditFixture.signer(8, rotation);
    List<AuditEvent> chain = AuditFixture.chain(T, 24, first);
    AuditFixture.extend(chain, T, 10, second);
    List<AuditKey> keys = List.of(first.key(), second.key());
    List<String> lines = AuditFixture.export(T, chain, keys, second);
    assertThat(verify(lines, Optional.of(AuditKeyring.of(keys)), Optional.empty()).isVerified()).isTrue();

    // A retired key cannot sign later events (AuditChain refuses, so forge the validity check).
    AuditSigner stale = AuditSigner.of(signer.key(), AuditFixture.privateKey(7));
    List<AuditEvent> late = AuditFixture.chain(T, 24, first);
    AuditFixture.extend(late, T, 3, stale);
    List<String> staleLines = AuditFixture.export(T, late, keys, second);
    assertFails(verify(staleLines, Optional.of(AuditKeyring.of(keys)), Optional.empty()), 25, Reason.KEY_NOT_VALID);
  }

  @Test
  void eventOfAnotherTenant_failsWithTenantMismatch() {
    String other = "00000000-0000-0000-0000-000000000001";
    List<AuditEvent> theirs = AuditFixture.chain(other, 3, signer);
    List<String> lines = new ArrayList<>(export);
    lines.set(lineOf(1), AuditExport.eventLine(theirs.getFirst()));
    assertFails(verify(lines), 1, Reason.TENANT_MISMATCH);
  }

  @Test
  void eventChainingFromAnotherGenesis_failsWithChainBroken() {
    String other = "00000000-0000-0000-0000-000000000001";
    AuditEvent wrongGenesis =
        AuditChain.seal(AuditFixture.entry(other, 1), 1, AuditChain.genesis(other), signer);
    ObjectNode n = wrongGenesis.contentJson();
    n.put("tenant_id", T);
    HashValue h = AuditChain.hashOf(wrongGenesis.prevHash(), CanonicalJson.canonicalize(n));
    n.put("hash", h.hex());
    n.put("sig", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(AuditFixture.privateKey(7).sign(h.bytes())));
    n.put("kind", "event");
    List<String> lines = new ArrayList<>(export);
    lines.set(lineOf(1), CanonicalJson.canonicalString(n));
    assertFails(verify(lines), 1, Reason.CHAIN_BROKEN);
  }

  @Test
  void garbageLines_failAsMalformed() {
    List<String> lines = new ArrayList<>(export);
    lines.set(lineOf(4), "{not json");
    assertFails(verify(lines), 4, Reason.MALFORMED);
    lines.set(lineOf(4), "{\"kind\":\"event\",\"seq\":4}");
    assertFails(verify(lines), 4, Reason.MALFORMED);
    // A version written as a string is not version 1, even though it reads as 1.
    ObjectNode stringVersion = (ObjectNode) CanonicalJson.parse(export.get(lineOf(4)));
    stringVersion.put("v", "1");
    lines.set(lineOf(4), CanonicalJson.canonicalString(stringVersion));
    assertFails(verify(lines), 4, Reason.MALFORMED);
    assertFails(verify(List.of()), 0, Reason.MALFORMED);
    assertFails(verify(export.subList(1, export.size())), 0, Reason.MALFORMED);
  }

  @Test
  void checkpointKeptEarlier_verifiesWhenTheExportExtendsIt() {
    TreeHead cp = AuditFixture.head(T, events.subList(0, 20), signer);
    assertThat(verify(export, Optional.of(trusted), Optional.of(cp)).isVerified()).isTrue();
    TreeHead empty = AuditFixture.head(T, List.of(), signer);
    assertThat(verify(export, Optional.of(trusted), Optional.of(empty)).isVerified()).isTrue();
  }

  @Test
  void checkpointOfAForkedLog_failsWithCheckpointMismatch() {
    AuditSigner same = AuditFixture.signer(7, AuditFixture.T0);
    List<AuditEvent> fork = AuditFixture.chain(T, 10, same);
    // Rewrite history from event 5 with the genuine key (an insider with the key, or a restore).
    List<AuditEvent> rewritten = new ArrayList<>(fork.subList(0, 4));
    HashValue prev = rewritten.getLast().hash();
    for (int seq = 5; seq <= 10; seq++) {
      AuditEntry e = AuditFixture.entry(T, seq + 100);
      AuditEvent sealed = AuditChain.seal(new AuditEntry(T, e.ts(), e.actor(), e.type(), e.body()), seq, prev, same);
      rewritten.add(sealed);
      prev = sealed.hash();
    }
    TreeHead cp = AuditFixture.head(T, fork.subList(0, 8), same);
    List<String> lines = AuditFixture.export(T, rewritten, List.of(same.key()), same);
    assertFails(verify(lines, Optional.of(trusted), Optional.of(cp)), 8, Reason.CHECKPOINT_MISMATCH);
  }

  @Test
  void checkpointBeyondTheExport_failsWithTruncated() {
    List<AuditEvent> longer = AuditFixture.extend(new ArrayList<>(events), T, 5, signer);
    TreeHead cp = AuditFixture.head(T, longer, signer);
    assertFails(verify(export, Optional.of(trusted), Optional.of(cp)), N + 1, Reason.TRUNCATED);
  }

  @Test
  void partialExport_verifiesItsRangeButIsNotComplete() {
    List<String> lines = new ArrayList<>();
    lines.add(AuditExport.headerLine(T, 11, AuditFixture.T0));
    lines.add(AuditExport.keyLine(signer.key()));
    events.subList(10, N).forEach(e -> lines.add(AuditExport.eventLine(e)));
    lines.add(export.getLast());
    VerificationResult r = verify(lines);
    assertThat(r.isVerified()).as(r.toString()).isTrue();
    assertThat(((Verified) r).complete()).isFalse();
    assertThat(((Verified) r).firstSeq()).isEqualTo(11);
  }

  @Test
  void sealedEvents_roundTripThroughJson() {
    for (AuditEvent e : events.subList(0, 5)) {
      AuditEvent back = AuditEvent.fromJson(CanonicalJson.parse(AuditExport.eventLine(e)));
      assertThat(back).isEqualTo(e);
      assertThat(AuditChain.computeHash(back)).isEqualTo(e.hash());
      assertThat(AuditChain.signatureValid(back, signer.key())).isTrue();
      assertThat(AuditChain.signatureValid(back, foreign.key())).isFalse();
    }
  }
}
