package dev.agentwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditChain;
import dev.agentwarden.core.audit.AuditEntry;
import dev.agentwarden.core.audit.AuditEvent;
import dev.agentwarden.core.audit.AuditExport;
import dev.agentwarden.core.audit.AuditFixture;
import dev.agentwarden.core.audit.AuditProofs;
import dev.agentwarden.core.audit.AuditSigner;
import dev.agentwarden.core.audit.HashValue;
import dev.agentwarden.core.audit.MerkleTree;
import dev.agentwarden.core.audit.TreeHead;
import dev.agentwarden.core.json.CanonicalJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code warden audit verify} and {@code verify-proof} on real export files, intact and tampered. */
class AuditCommandTest {
  private static final String T = AuditFixture.TENANT;
  private static final int N = 40;

  @TempDir Path dir;
  private final AuditSigner signer = AuditFixture.signer(7, AuditFixture.T0);
  private final AuditSigner foreign = AuditFixture.signer(99, AuditFixture.T0);
  private List<AuditEvent> events;
  private List<String> lines;
  private Path keyFile;

  record Run(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    events = AuditFixture.chain(T, N, signer);
    lines = AuditFixture.export(T, events, List.of(signer.key()), signer);
    keyFile = dir.resolve("identity.json");
    ObjectNode identity = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    identity.putArray("keys").add(signer.key().toJson());
    Files.writeString(keyFile, identity.toString());
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Warden.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  private Path write(String name, List<String> content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content, StandardCharsets.UTF_8);
    return p;
  }

  /** Export line index of event {@code seq}: header, one key line, then events. */
  private static int lineOf(int seq) {
    return 1 + seq;
  }

  private Run verify(List<String> content, String... extra) throws IOException {
    Path export = write("export.jsonl", content);
    List<String> args = new ArrayList<>(List.of("audit", "verify", export.toString(), "--public-key", keyFile.toString()));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  private void assertFailsAt(Run r, int seq, String reason) {
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(r.out()).startsWith("FAILED at seq " + seq + ": " + reason + ":");
  }

  @Test
  void intactExport_exitsZeroWithCountAndHead() throws IOException {
    Run r = verify(lines);
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("OK: verified 40 events (seq 1..40) of tenant " + T)
        .contains("chain_head=" + events.getLast().hash().hex())
        .contains("anchored on 1 trusted key");
    Run sampled = verify(lines, "--signatures", "sampled");
    assertThat(sampled.code()).isEqualTo(ExitCodes.OK);
  }

  @Test
  void withoutAPublicKey_verifiesButSaysItIsNotAnchored() throws IOException {
    Path export = write("export.jsonl", lines);
    Run r = run("audit", "verify", export.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("NOT anchored");
  }

  @Test
  void oneByteOfABodyChanged_failsAtThatSeq() throws IOException {
    List<String> t = new ArrayList<>(lines);
    t.set(lineOf(11), t.get(lineOf(11)).replace("\"decision\":\"allow\"", "\"decision\":\"allOw\""));
    assertFailsAt(verify(t), 11, "hash_mismatch");
  }

  @Test
  void lineDeleted_failsWithGap() throws IOException {
    List<String> t = new ArrayList<>(lines);
    t.remove(lineOf(17));
    assertFailsAt(verify(t), 17, "gap");
  }

  @Test
  void twoLinesSwapped_failsWithReorder() throws IOException {
    List<String> t = new ArrayList<>(lines);
    Collections.swap(t, lineOf(8), lineOf(9));
    assertFailsAt(verify(t), 8, "reorder");
  }

  @Test
  void lineDuplicated_failsWithDuplicate() throws IOException {
    List<String> t = new ArrayList<>(lines);
    t.add(lineOf(25), t.get(lineOf(25)));
    assertFailsAt(verify(t), 25, "duplicate");
  }

  @Test
  void tailTruncated_failsWithTruncated() throws IOException {
    List<String> t = new ArrayList<>(lines.subList(0, lineOf(36)));
    t.add(lines.getLast());
    assertFailsAt(verify(t), 36, "truncated");
    assertFailsAt(verify(lines.subList(0, lineOf(30))), 30, "truncated");
  }

  @Test
  void resignedWithAForeignKey_failsAtTheFirstResignedSeq() throws IOException {
    List<AuditEvent> forged = new ArrayList<>(events.subList(0, 14));
    HashValue prev = forged.getLast().hash();
    for (int seq = 15; seq <= N; seq++) {
      AuditEntry e = AuditFixture.entry(T, seq);
      ObjectNode body = e.body();
      body.put("decision", "allow");
      AuditEvent sealed = AuditChain.seal(new AuditEntry(T, e.ts(), e.actor(), e.type(), body), seq, prev, foreign);
      forged.add(sealed);
      prev = sealed.hash();
    }
    List<String> t = AuditFixture.export(T, forged, List.of(signer.key(), foreign.key()), foreign);
    assertFailsAt(verify(t), 15, "unknown_key");
    assertFailsAt(verify(t, "--signatures", "sampled"), 15, "unknown_key");
  }

  @Test
  void publicKeyBlockReplaced_failsAtTheFirstEvent() throws IOException {
    List<String> t = new ArrayList<>(lines);
    t.set(1, AuditExport.keyLine(foreign.key()));
    assertFailsAt(verify(t), 1, "unknown_key");
  }

  @Test
  void checkpointKeptEarlier_mustBeExtended() throws IOException {
    TreeHead cp = AuditFixture.head(T, events.subList(0, 30), signer);
    Path cpFile = dir.resolve("checkpoint.json");
    Files.writeString(cpFile, AuditExport.headLine(cp));
    assertThat(verify(lines, "--checkpoint", cpFile.toString()).code()).isEqualTo(ExitCodes.OK);
    List<String> shorter = new ArrayList<>(lines.subList(0, lineOf(21)));
    shorter.add(AuditExport.headLine(AuditFixture.head(T, events.subList(0, 20), signer)));
    assertFailsAt(verify(shorter, "--checkpoint", cpFile.toString()), 21, "truncated");
  }

  @Test
  void unreadableInputs_exitTwo() throws IOException {
    assertThat(run("audit", "verify", dir.resolve("missing.jsonl").toString()).code()).isEqualTo(ExitCodes.USAGE);
    Path export = write("export.jsonl", lines);
    Path badKey = write("bad-key.json", List.of("{\"keys\": [42]}"));
    assertThat(run("audit", "verify", export.toString(), "--public-key", badKey.toString()).code()).isEqualTo(ExitCodes.USAGE);
    assertThat(run("audit", "verify").code()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void crlfLineEndsAndNoFinalNewline_verify_andATamperedLineStillFailsAtItsSeq() throws IOException {
    Path export = dir.resolve("crlf.jsonl");
    Files.write(export, String.join("\r\n", lines).getBytes(StandardCharsets.UTF_8));
    Run r = run("audit", "verify", export.toString(), "--public-key", keyFile.toString(), "--signatures", "sampled");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.OK);
    List<String> tampered = new ArrayList<>(lines);
    tampered.set(lineOf(21), tampered.get(lineOf(21)).replace("\"seq\":21", "\"seq\":21 "));
    Files.write(export, String.join("\r\n", tampered).getBytes(StandardCharsets.UTF_8));
    assertThat(run("audit", "verify", export.toString(), "--public-key", keyFile.toString()).code())
        .isEqualTo(ExitCodes.OK);
    tampered.set(lineOf(21), tampered.get(lineOf(21)).replace("\"actor\":\"", "\"actor\":\"x"));
    Files.write(export, String.join("\r\n", tampered).getBytes(StandardCharsets.UTF_8));
    assertFailsAt(run("audit", "verify", export.toString(), "--public-key", keyFile.toString()), 21, "hash_mismatch");
  }

  @Test
  void notUtf8_failsAsMalformed() throws IOException {
    Path export = dir.resolve("latin1.jsonl");
    Files.write(export, (String.join("\n", lines.subList(0, 3)) + "\n").getBytes(StandardCharsets.UTF_8));
    Files.write(export, new byte[] {(byte) 0xff, (byte) 0xfe, '\n'}, java.nio.file.StandardOpenOption.APPEND);
    Run r = run("audit", "verify", export.toString(), "--public-key", keyFile.toString());
    assertFailsAt(r, 2, "malformed");
  }

  @Test
  void inclusionAndConsistencyProofs_verify_andTamperedOnesDoNot() throws IOException {
    List<HashValue> leaves = events.stream().map(e -> MerkleTree.leafHash(e.hash())).toList();
    TreeHead head = AuditFixture.head(T, events, signer);
    ObjectNode inclusion = AuditProofs.inclusion(12, events.get(11).hash(), MerkleTree.inclusionProof(leaves, 11), head);
    Path p = dir.resolve("inclusion.json");
    Files.writeString(p, CanonicalJson.canonicalString(inclusion));
    Run ok = run("audit", "verify-proof", p.toString(), "--public-key", keyFile.toString(),
        "--event-hash", events.get(11).hash().hex());
    assertThat(ok.code()).as(ok.out() + ok.err()).isEqualTo(ExitCodes.OK);
    assertThat(ok.out()).startsWith("OK: event 12");

    ObjectNode wrongSeq = inclusion.deepCopy();
    wrongSeq.put("seq", 13);
    Files.writeString(p, CanonicalJson.canonicalString(wrongSeq));
    assertThat(run("audit", "verify-proof", p.toString(), "--public-key", keyFile.toString()).code()).isEqualTo(ExitCodes.REFUSED);

    TreeHead early = AuditFixture.head(T, events.subList(0, 9), signer);
    ObjectNode consistency = AuditProofs.consistency(MerkleTree.consistencyProof(leaves, 9), early, head);
    Path c = dir.resolve("consistency.json");
    Files.writeString(c, CanonicalJson.canonicalString(consistency));
    Path cpFile = dir.resolve("checkpoint.json");
    Files.writeString(cpFile, AuditExport.headLine(early));
    Run cons = run("audit", "verify-proof", c.toString(), "--public-key", keyFile.toString(), "--checkpoint", cpFile.toString());
    assertThat(cons.code()).as(cons.out() + cons.err()).isEqualTo(ExitCodes.OK);

    // A head re-signed by a key nobody trusts is refused even when the proof itself is sound.
    ObjectNode foreignHead = AuditProofs.consistency(MerkleTree.consistencyProof(leaves, 9), early,
        AuditFixture.head(T, events, foreign));
    Files.writeString(c, CanonicalJson.canonicalString(foreignHead));
    Run refused = run("audit", "verify-proof", c.toString(), "--public-key", keyFile.toString());
    assertThat(refused.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(refused.out()).contains("untrusted key");
  }
}
