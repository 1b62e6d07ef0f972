package dev.agentwarden.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.CoreException;
import dev.agentwarden.core.audit.VerificationResult.Failed;
import dev.agentwarden.core.audit.VerificationResult.Reason;
import dev.agentwarden.core.json.CanonicalJson;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies an audit export offline, one line at a time, in memory independent of its length.
 * Every event's hash, chain link, key id and key validity are always checked, as are the Merkle
 * root and signature of the final tree head; {@link SignatureChecks} says how many event
 * signatures are checked as well.
 * Feed every line to {@link #accept} (it returns false once a failure is found, so the caller may
 * stop reading), then call {@link #finish}. The result names the first failing seq.
 *
 * <p>Without trusted keys the export's own key lines are used, which proves the export is
 * internally consistent but not who signed it; pass the gateway's published keys to anchor it.
 */
// A line-by-line state machine: each field is set by the phase before the one that reads it,
// which NullAway cannot follow.
@SuppressWarnings("NullAway")
public final class ExportVerifier {
  private static final int RECENT = 1024;
  /** In {@link SignatureChecks#SAMPLED} mode, one event signature in this many is checked. */
  public static final int SAMPLE_STRIDE = 1024;

  /** How many event signatures to verify. */
  public enum SignatureChecks {
    /** Every event's signature: slowest (Ed25519 verification dominates), reports a lone bad signature. */
    EVERY_EVENT,
    /**
     * Every {@value ExportVerifier#SAMPLE_STRIDE}th event's signature and the last one's. Sound
     * for the content: changing any event changes its hash and every hash after it, so a forger
     * without the key must forge the signatures of all later events and of the tree head, and a
     * sampled signature (or the head's) fails. The window since the last sample is kept, so the
     * first forged seq is still named exactly. What it does not report is a corrupted signature
     * on an event whose content is intact.
     */
    SAMPLED
  }

  private final SignatureChecks signatureChecks;
  private final long[] windowSeq = new long[SAMPLE_STRIDE];
  private final HashValue[] windowHash = new HashValue[SAMPLE_STRIDE];
  private final String[] windowSig = new String[SAMPLE_STRIDE];
  private final AuditKey[] windowKey = new AuditKey[SAMPLE_STRIDE];
  private int windowSize;

  private final Optional<AuditKeyring> trusted;
  private final Optional<TreeHead> checkpoint;

  private enum Phase { HEADER, BODY, AFTER_HEAD }

  private Phase phase = Phase.HEADER;
  private Failed failure;
  private String tenantId;
  private long fromSeq;
  private long expected;
  private HashValue prevHash; // null until known (an export that starts after seq 1)
  private final Map<String, AuditKey> exportKeys = new HashMap<>();
  private AuditKeyring keyring;
  private final MerkleRange range = new MerkleRange();
  private long pendingGap = -1;
  private final HashValue[] recentHashes = new HashValue[RECENT];
  private final CanonicalEventLine canonical = new CanonicalEventLine();
  private byte[] lastKeyIdBytes = new byte[0];
  private String lastKeyId = "";
  private byte[] tenantBytes;
  private final java.nio.charset.CharsetEncoder utf8Out = java.nio.charset.StandardCharsets.UTF_8.newEncoder()
      .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
      .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
  private final java.nio.charset.CharsetDecoder utf8 = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
      .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
  private long count;
  private TreeHead head;

  private ExportVerifier(Optional<AuditKeyring> trusted, Optional<TreeHead> checkpoint, SignatureChecks checks) {
    this.trusted = trusted;
    this.checkpoint = checkpoint;
    this.signatureChecks = checks;
  }

  /** A verifier that trusts only the export's own keys and checks every signature. */
  public static ExportVerifier create() {
    return new ExportVerifier(Optional.empty(), Optional.empty(), SignatureChecks.EVERY_EVENT);
  }

  /**
   * A verifier anchored on {@code trustedKeys} (if present) that also checks the export extends
   * {@code checkpoint} (if present), a tree head the caller kept from earlier.
   */
  public static ExportVerifier create(Optional<AuditKeyring> trustedKeys, Optional<TreeHead> checkpoint) {
    return create(trustedKeys, checkpoint, SignatureChecks.EVERY_EVENT);
  }

  /** As {@link #create(Optional, Optional)}, choosing how many event signatures to check. */
  public static ExportVerifier create(
      Optional<AuditKeyring> trustedKeys, Optional<TreeHead> checkpoint, SignatureChecks checks) {
    Objects.requireNonNull(trustedKeys, "trustedKeys");
    Objects.requireNonNull(checkpoint, "checkpoint");
    Objects.requireNonNull(checks, "checks");
    return new ExportVerifier(trustedKeys, checkpoint, checks);
  }

  /** Consumes one line (without its line terminator); false once verification has failed. */
  public boolean accept(String line) {
    Objects.requireNonNull(line, "line");
    if (failure != null) {
      return false;
    }
    if (phase == Phase.BODY) {
      // A strict encoder: getBytes would turn a lone surrogate into '?', which could then match.
      java.nio.ByteBuffer bytes;
      try {
        bytes = utf8Out.encode(java.nio.CharBuffer.wrap(line));
      } catch (java.nio.charset.CharacterCodingException e) {
        return acceptParsed(line);
      }
      if (canonical.read(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining())) {
        return canonicalEvent(canonical.current(), Optional.empty());
      }
    }
    return acceptParsed(line);
  }

  /**
   * Consumes one line given as its UTF-8 bytes {@code line[offset, offset + length)} (without the
   * line terminator); false once verification has failed. An event line in the gateway's own
   * canonical form is checked straight from the bytes; any other line is decoded (a line that is
   * not UTF-8 fails as malformed) and parsed.
   */
  public boolean accept(byte[] line, int offset, int length) {
    Objects.requireNonNull(line, "line");
    Objects.checkFromIndexSize(offset, length, line.length);
    if (failure != null) {
      return false;
    }
    if (phase == Phase.BODY && canonical.read(line, offset, length)) {
      return canonicalEvent(canonical.current(), Optional.empty());
    }
    String text;
    try {
      text = utf8.decode(java.nio.ByteBuffer.wrap(line, offset, length)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      unreadableLine("not UTF-8");
      return false;
    }
    return acceptParsed(text);
  }

  private boolean acceptParsed(String line) {
    JsonNode node;
    try {
      node = CanonicalJson.parse(line);
    } catch (CoreException e) {
      return fail(expectedOrZero(), Reason.MALFORMED, "line is not valid JSON");
    }
    if (!node.isObject()) {
      return fail(expectedOrZero(), Reason.MALFORMED, "line is not a JSON object");
    }
    String kind = node.path("kind").asText("");
    if (phase == Phase.AFTER_HEAD) {
      long seq = node.path("seq").canConvertToLong() ? node.path("seq").longValue() : head.treeSize() + 1;
      return fail(seq, Reason.APPENDED_AFTER_HEAD, "a line follows the signed tree head");
    }
    if (phase == Phase.HEADER) {
      return "header".equals(kind) ? header(node) : fail(0, Reason.MALFORMED, "the first line must be the export header");
    }
    return switch (kind) {
      case "key" -> key((ObjectNode) node);
      case "event" -> event((ObjectNode) node);
      case "tree_head" -> head(node);
      default -> fail(expected, Reason.MALFORMED, "unknown line kind '" + kind + "'");
    };
  }

  /** Records that the next line could not be read (for example, it is not UTF-8). */
  public void unreadableLine(String detail) {
    fail(expectedOrZero(), Reason.MALFORMED, "unreadable line: " + detail);
  }

  /** The result; call after the last line. */
  public VerificationResult finish() {
    if (failure == null) {
      if (phase == Phase.HEADER) {
        fail(0, Reason.MALFORMED, "the export is empty");
      } else if (pendingGap > 0) {
        fail(pendingGap, Reason.GAP, "event " + pendingGap + " is missing");
      } else if (head == null) {
        fail(expected, Reason.TRUNCATED, "the export ends without its signed tree head");
      } else {
        checkCheckpointCovered();
      }
    }
    if (failure != null) {
      return failure;
    }
    return new VerificationResult.Verified(
        tenantId, count, fromSeq, expected - 1, head, fromSeq == 1, trusted.isPresent());
  }

  private long expectedOrZero() {
    return phase == Phase.HEADER ? 0 : expected;
  }

  private boolean fail(long seq, Reason reason, String detail) {
    if (failure == null) {
      failure = new Failed(seq, reason, detail);
    }
    return false;
  }

  private boolean header(JsonNode n) {
    if (!AuditExport.FORMAT.equals(n.path("format").asText("")) || !isVersion(n.get("v"))) {
      return fail(0, Reason.MALFORMED, "not an AgentWarden audit export of format version " + AuditChain.FORMAT_VERSION);
    }
    JsonNode from = n.get("from_seq");
    if (from == null || !from.isIntegralNumber() || from.longValue() < 1) {
      return fail(0, Reason.MALFORMED, "header from_seq must be a positive integer");
    }
    try {
      tenantId = AuditEvent.text(n, "tenant_id");
      AuditEvent.requireTenantId(tenantId);
      if (n.has("genesis") && !AuditChain.genesis(tenantId).hex().equals(n.path("genesis").asText())) {
        return fail(from.longValue(), Reason.MALFORMED, "header genesis is not the genesis value of tenant " + tenantId);
      }
    } catch (AuditException e) {
      return fail(0, Reason.MALFORMED, "header: " + e.getMessage());
    }
    fromSeq = from.longValue();
    tenantBytes = tenantId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    expected = fromSeq;
    prevHash = fromSeq == 1 ? AuditChain.genesis(tenantId) : null;
    if (checkpoint.isPresent() && !checkpoint.get().tenantId().equals(tenantId)) {
      return fail(fromSeq, Reason.TENANT_MISMATCH, "the checkpoint belongs to another tenant");
    }
    phase = Phase.BODY;
    return true;
  }

  /** The version member must be the integer 1, not a string or a float that reads as 1. */
  private static boolean isVersion(JsonNode v) {
    return v != null && v.isIntegralNumber() && v.canConvertToLong() && v.longValue() == AuditChain.FORMAT_VERSION;
  }

  private boolean key(ObjectNode n) {
    if (keyring != null) {
      return fail(expected, Reason.MALFORMED, "key lines must come before the first event");
    }
    n.remove("kind");
    AuditKey k;
    try {
      k = AuditKey.fromJson(n);
    } catch (AuditException e) {
      return fail(expected, Reason.MALFORMED, "key line: " + e.getMessage());
    }
    if (exportKeys.putIfAbsent(k.keyId(), k) != null) {
      return fail(expected, Reason.MALFORMED, "key " + k.keyId() + " is listed twice");
    }
    return true;
  }

  private AuditKeyring keyring() {
    if (keyring == null) {
      keyring = trusted.orElseGet(() -> AuditKeyring.of(exportKeys.values()));
    }
    return keyring;
  }

  private enum Order { VERIFY, DEFERRED, REFUSED }

  /**
   * The seq-order rules: whether the event with {@code seq} is the expected one (verify it), comes
   * early (one line of look-ahead tells a gap from a swap), or fails here.
   */
  private Order order(long seq, HashValue recorded) {
    if (pendingGap > 0) {
      if (seq == pendingGap) {
        fail(pendingGap, Reason.REORDER, "event " + pendingGap + " comes after a later event");
      } else {
        fail(pendingGap, Reason.GAP, "event " + pendingGap + " is missing");
      }
      return Order.REFUSED;
    }
    if (seq > expected) {
      pendingGap = expected;
      return Order.DEFERRED;
    }
    if (seq < expected) {
      HashValue seen = seq >= fromSeq && expected - seq <= RECENT ? recentHashes[(int) (seq % RECENT)] : null;
      if (recorded != null && recorded.equals(seen)) {
        fail(seq, Reason.DUPLICATE, "event " + seq + " appears twice");
      } else {
        fail(seq, Reason.REORDER, "event " + seq + " appears after event " + (expected - 1));
      }
      return Order.REFUSED;
    }
    return Order.VERIFY;
  }

  /**
   * An event line in canonical form whose content already hashed to its recorded hash; {@code
   * signatureChecked} is the outcome of verifying its signature under {@code keyring}, when that
   * was done ahead.
   */
  private boolean canonicalEvent(CanonicalEventLine.Read line, Optional<Boolean> signatureChecked) {
    keyring();
    long seq = line.seq();
    HashValue hash = line.hash();
    Order order = order(seq, hash);
    if (order != Order.VERIFY) {
      return order == Order.DEFERRED;
    }
    Instant ts;
    try {
      ts = line.ts();
    } catch (AuditException e) {
      return fail(seq, Reason.MALFORMED, "event " + seq + ": " + e.getMessage());
    }
    if (!line.tenantIs(tenantBytes)) {
      return fail(seq, Reason.TENANT_MISMATCH, "event " + seq + " belongs to tenant " + line.tenantId());
    }
    if (!line.keyIdIs(lastKeyIdBytes)) {
      lastKeyId = line.keyId();
      lastKeyIdBytes = lastKeyId.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
    return chained(seq, line.prevHash(), hash, lastKeyId, ts, line.sig(), signatureChecked);
  }

  /**
   * Consumes {@code count} lines, line {@code i} being {@code buf[starts[i], starts[i] +
   * lengths[i])}, with exactly the result of calling {@link #accept(byte[], int, int)} on each in
   * turn. Event lines in canonical form are first read and hashed, and with {@link
   * SignatureChecks#EVERY_EVENT} their signatures verified, on up to {@code threads} threads (the
   * common fork-join pool); the chain is then checked in order.
   */
  public boolean acceptAll(byte[] buf, int[] starts, int[] lengths, int count, int threads) {
    Objects.requireNonNull(buf, "buf");
    if (count < 0 || count > starts.length || count > lengths.length || threads < 1) {
      throw new IllegalArgumentException("count must fit starts and lengths, threads must be positive");
    }
    for (int i = 0; i < count; i++) {
      Objects.checkFromIndexSize(starts[i], lengths[i], buf.length);
    }
    CanonicalEventLine.Read[] read = new CanonicalEventLine.Read[count];
    Boolean[] signed = new Boolean[count];
    // Signatures can be checked ahead only once the keys are settled (after the first event).
    AuditKeyring keys = signatureChecks == SignatureChecks.EVERY_EVENT ? keyring : null;
    int chunks = Math.max(1, Math.min(threads * 4, count / 64));
    java.util.stream.IntStream.range(0, chunks).parallel().forEach(c -> {
      CanonicalEventLine reader = new CanonicalEventLine();
      for (int i = (int) ((long) c * count / chunks); i < (int) ((long) (c + 1) * count / chunks); i++) {
        if (reader.read(buf, starts[i], lengths[i])) {
          read[i] = reader.current();
          if (keys != null) {
            Optional<AuditKey> key = keys.find(read[i].keyId());
            signed[i] = key.isPresent() && AuditChain.signatureValid(read[i].hash(), read[i].sig(), key.get());
          }
        }
      }
    });
    for (int i = 0; i < count; i++) {
      if (failure != null) {
        return false;
      }
      boolean going = read[i] != null && phase == Phase.BODY
          ? canonicalEvent(read[i], Optional.ofNullable(signed[i]))
          : accept(buf, starts[i], lengths[i]);
      if (!going) {
        return false;
      }
    }
    return failure == null;
  }

  private boolean event(ObjectNode n) {
    keyring();
    JsonNode seqNode = n.get("seq");
    if (seqNode == null || !seqNode.isIntegralNumber() || !seqNode.canConvertToLong()) {
      return fail(expected, Reason.MALFORMED, "event without an integer seq");
    }
    long seq = seqNode.longValue();
    String recordedHash = n.path("hash").asText("");
    Order order = order(seq, parsedOrNull(recordedHash));
    if (order != Order.VERIFY) {
      return order == Order.DEFERRED;
    }
    return verifyEvent(seq, n, recordedHash);
  }

  private static HashValue parsedOrNull(String hex) {
    try {
      return HashValue.parse(hex);
    } catch (AuditException e) {
      return null;
    }
  }

  private boolean verifyEvent(long seq, ObjectNode n, String recordedHash) {
    String sig = n.path("sig").asText("");
    n.remove("kind");
    n.remove("hash");
    n.remove("sig");
    HashValue hash;
    HashValue ownPrev;
    Instant ts;
    String keyId;
    String eventTenant;
    byte[] content;
    try {
      if (!isVersion(n.get("v")) || !n.path("body").isObject()) {
        return fail(seq, Reason.MALFORMED, "event " + seq + " is not a format version " + AuditChain.FORMAT_VERSION + " event");
      }
      eventTenant = AuditEvent.text(n, "tenant_id");
      ts = AuditTime.parse(AuditEvent.text(n, "ts"));
      AuditEvent.text(n, "actor");
      AuditEvent.text(n, "type");
      keyId = AuditEvent.text(n, "key_id");
      ownPrev = HashValue.parse(AuditEvent.text(n, "prev_hash"));
      hash = HashValue.parse(recordedHash);
      content = CanonicalJson.canonicalize(n);
    } catch (CoreException e) {
      return fail(seq, Reason.MALFORMED, "event " + seq + ": " + e.getMessage());
    }
    if (!eventTenant.equals(tenantId)) {
      return fail(seq, Reason.TENANT_MISMATCH, "event " + seq + " belongs to tenant " + eventTenant);
    }
    if (!AuditChain.hashOf(ownPrev, content).equals(hash)) {
      return fail(seq, Reason.HASH_MISMATCH, "event " + seq + " does not hash to its recorded hash");
    }
    return chained(seq, ownPrev, hash, keyId, ts, sig, Optional.empty());
  }

  /** The checks after an event's content is known to hash to {@code hash}: link, key, signature. */
  private boolean chained(
      long seq, HashValue ownPrev, HashValue hash, String keyId, Instant ts, String sig, Optional<Boolean> signatureChecked) {
    if (prevHash != null && !ownPrev.equals(prevHash)) {
      return fail(seq, Reason.CHAIN_BROKEN, "event " + seq + " does not chain from the event before it");
    }
    if (!verifySignature(seq, keyId, ts, hash, sig, signatureChecked)) {
      return false;
    }
    recentHashes[(int) (seq % RECENT)] = hash;
    prevHash = hash;
    expected = seq + 1;
    count++;
    if (fromSeq == 1) {
      range.appendEvent(hash);
      if (checkpoint.isPresent() && checkpoint.get().treeSize() == seq) {
        return checkCheckpoint(checkpoint.get());
      }
    }
    return true;
  }

  private boolean verifySignature(
      long seq, String keyId, Instant ts, HashValue hash, String sig, Optional<Boolean> signatureChecked) {
    if (!exportKeys.containsKey(keyId)) {
      return fail(seq, Reason.UNKNOWN_KEY, "event " + seq + " is signed by key " + keyId + ", which the export does not publish");
    }
    Optional<AuditKey> key = keyring.find(keyId);
    if (key.isEmpty()) {
      return fail(seq, Reason.UNKNOWN_KEY, "event " + seq + " is signed by unknown key " + keyId);
    }
    if (!key.get().isValidAt(ts)) {
      return fail(seq, Reason.KEY_NOT_VALID, "key " + keyId + " was not valid when event " + seq + " was recorded");
    }
    if (signatureChecks == SignatureChecks.EVERY_EVENT) {
      return signatureChecked.orElseGet(() -> AuditChain.signatureValid(hash, sig, key.get()))
          || fail(seq, Reason.BAD_SIGNATURE, "the signature of event " + seq + " does not verify");
    }
    windowSeq[windowSize] = seq;
    windowHash[windowSize] = hash;
    windowSig[windowSize] = sig;
    windowKey[windowSize] = key.get();
    windowSize++;
    return windowSize < SAMPLE_STRIDE || checkWindow();
  }

  /**
   * Checks the newest signature of the window; if it fails, finds the first failing one in the
   * window (every earlier window ended with a valid signature, so nothing before it was forged).
   */
  private boolean checkWindow() {
    int last = windowSize - 1;
    windowSize = 0;
    if (last < 0 || AuditChain.signatureValid(windowHash[last], windowSig[last], windowKey[last])) {
      return true;
    }
    for (int i = 0; i < last; i++) {
      if (!AuditChain.signatureValid(windowHash[i], windowSig[i], windowKey[i])) {
        return fail(windowSeq[i], Reason.BAD_SIGNATURE, "the signature of event " + windowSeq[i] + " does not verify");
      }
    }
    return fail(windowSeq[last], Reason.BAD_SIGNATURE, "the signature of event " + windowSeq[last] + " does not verify");
  }

  private boolean head(JsonNode n) {
    keyring();
    if (pendingGap > 0) {
      return fail(pendingGap, Reason.GAP, "event " + pendingGap + " is missing");
    }
    TreeHead h;
    try {
      h = TreeHead.fromJson(n);
    } catch (AuditException e) {
      return fail(expected, Reason.MALFORMED, e.getMessage());
    }
    long last = expected - 1;
    if (!h.tenantId().equals(tenantId)) {
      return fail(h.treeSize(), Reason.TENANT_MISMATCH, "the tree head belongs to tenant " + h.tenantId());
    }
    if (h.treeSize() > last) {
      return fail(last + 1, Reason.TRUNCATED, "the signed tree head covers " + h.treeSize() + " events but the export stops after " + last);
    }
    if (h.treeSize() < last) {
      return fail(h.treeSize() + 1, Reason.HEAD_MISMATCH, "events after " + h.treeSize() + " are not covered by the signed tree head");
    }
    if (!checkWindow()) {
      return false;
    }
    Optional<Failed> sigFailure = headSignatureFailure(h, h.treeSize());
    if (sigFailure.isPresent()) {
      return fail(sigFailure.get().seq(), sigFailure.get().reason(), sigFailure.get().detail());
    }
    if (prevHash != null && !h.chainHead().equals(prevHash)) {
      return fail(h.treeSize(), Reason.HEAD_MISMATCH, "the signed tree head's chain head is not the hash of event " + h.treeSize());
    }
    if (fromSeq == 1 && !h.rootHash().equals(range.root())) {
      return fail(h.treeSize(), Reason.HEAD_MISMATCH, "the signed tree head's Merkle root does not match the events");
    }
    head = h;
    phase = Phase.AFTER_HEAD;
    return true;
  }

  private Optional<Failed> headSignatureFailure(TreeHead h, long seq) {
    Optional<AuditKey> key = keyring.find(h.keyId());
    if (key.isEmpty()) {
      return Optional.of(new Failed(seq, Reason.UNKNOWN_KEY, "the tree head is signed by unknown key " + h.keyId()));
    }
    if (!key.get().isValidAt(h.ts())) {
      return Optional.of(new Failed(seq, Reason.KEY_NOT_VALID, "key " + h.keyId() + " was not valid when the tree head was signed"));
    }
    if (!h.verify(key.get())) {
      return Optional.of(new Failed(seq, Reason.BAD_SIGNATURE, "the tree head's signature does not verify"));
    }
    return Optional.empty();
  }

  private boolean checkCheckpoint(TreeHead cp) {
    Optional<Failed> sigFailure = headSignatureFailure(cp, cp.treeSize());
    if (sigFailure.isPresent()) {
      return fail(cp.treeSize(), Reason.CHECKPOINT_MISMATCH, "checkpoint: " + sigFailure.get().detail());
    }
    boolean empty = cp.treeSize() == 0;
    HashValue root = empty ? MerkleTree.emptyRoot() : range.root();
    HashValue chainHead = empty ? AuditChain.genesis(tenantId) : prevHash;
    if (!cp.rootHash().equals(root) || !cp.chainHead().equals(chainHead)) {
      return fail(cp.treeSize(), Reason.CHECKPOINT_MISMATCH, "the events up to " + cp.treeSize() + " differ from the checkpoint");
    }
    return true;
  }

  private void checkCheckpointCovered() {
    if (checkpoint.isEmpty()) {
      return;
    }
    TreeHead cp = checkpoint.get();
    long last = expected - 1;
    if (fromSeq != 1) {
      fail(fromSeq, Reason.CHECKPOINT_MISMATCH, "checking a checkpoint needs an export from seq 1");
    } else if (cp.treeSize() > last) {
      fail(last + 1, Reason.TRUNCATED, "the checkpoint covers " + cp.treeSize() + " events but the export stops after " + last);
    } else if (cp.treeSize() == 0) {
      checkCheckpoint(cp);
    }
  }
}
