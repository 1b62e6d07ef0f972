package dev.agentwarden.core.audit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.crypto.Ed25519;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds real signed chains and exports for tests of this and the modules above. */
public final class AuditFixture {
  public static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  public static final String TENANT = "7d1c9a52-3b0e-4a43-9c55-0c2f6f0a1b2c";

  private AuditFixture() {}

  /** A deterministic private key. */
  public static Ed25519.SigningKey privateKey(int seedByte) {
    byte[] seed = new byte[Ed25519.SEED_LENGTH];
    Arrays.fill(seed, (byte) seedByte);
    return Ed25519.fromSeed(seed);
  }

  /** A signer with a deterministic key valid from {@code validFrom}. */
  public static AuditSigner signer(int seedByte, Instant validFrom) {
    Ed25519.SigningKey sk = privateKey(seedByte);
    return AuditSigner.of(AuditKey.of(Ed25519.PublicKey.of(sk.publicKey()), validFrom), sk);
  }

  public static AuditEntry entry(String tenant, int i) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("rule", "allow-docs-" + i);
    body.put("decision", i % 3 == 0 ? "deny" : "allow");
    body.put("target", "https://example.com/docs/" + i + "?q=é€");
    body.putArray("tags").add(i).add(1.5).add(true);
    return new AuditEntry(tenant, T0.plusMillis(1000L * i + 123), "key:agent-" + (i % 4), AuditEventType.POLICY_DECIDED, body);
  }

  /** Events 1..n of {@code tenant}, all signed by {@code signer}. */
  public static List<AuditEvent> chain(String tenant, int n, AuditSigner signer) {
    return extend(new ArrayList<>(), tenant, n, signer);
  }

  /** Appends {@code n} more events to {@code events}, signed by {@code signer}. */
  public static List<AuditEvent> extend(List<AuditEvent> events, String tenant, int n, AuditSigner signer) {
    HashValue prev = events.isEmpty() ? AuditChain.genesis(tenant) : events.getLast().hash();
    for (int i = 0; i < n; i++) {
      long seq = events.size() + 1L;
      AuditEvent e = AuditChain.seal(entry(tenant, (int) seq), seq, prev, signer);
      events.add(e);
      prev = e.hash();
    }
    return events;
  }

  /** The signed tree head over all of {@code events}. */
  public static TreeHead head(String tenant, List<AuditEvent> events, AuditSigner signer) {
    List<HashValue> leaves = events.stream().map(e -> MerkleTree.leafHash(e.hash())).toList();
    HashValue chainHead = events.isEmpty() ? AuditChain.genesis(tenant) : events.getLast().hash();
    Instant ts = events.isEmpty() ? T0 : events.getLast().ts().plusSeconds(1);
    return TreeHead.sign(tenant, events.size(), MerkleTree.root(leaves), chainHead, ts, signer);
  }

  /** A complete export of {@code events}: header, keys, events, head signed by {@code headSigner}. */
  public static List<String> export(String tenant, List<AuditEvent> events, List<AuditKey> keys, AuditSigner headSigner) {
    List<String> lines = new ArrayList<>();
    lines.add(AuditExport.headerLine(tenant, 1, T0.plusSeconds(100_000)));
    keys.forEach(k -> lines.add(AuditExport.keyLine(k)));
    events.forEach(e -> lines.add(AuditExport.eventLine(e)));
    lines.add(AuditExport.headLine(head(tenant, events, headSigner)));
    return lines;
  }
}
