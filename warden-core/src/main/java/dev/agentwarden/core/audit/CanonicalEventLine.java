package dev.agentwarden.core.audit;

import dev.agentwarden.core.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Reads an export event line in exactly the form the gateway writes it (RFC 8785: no whitespace,
 * members in code-unit order) straight from its UTF-8 bytes, and hashes its content without
 * building a JSON tree or serializing it again: the content is the line minus its {@code hash},
 * {@code kind} and {@code sig} members, so it is hashed as four slices of the line.
 *
 * <p>Sound by construction: {@link #read} succeeds only if SHA-256 over {@code prev_hash} and
 * those slices equals the line's recorded hash. The gateway only ever hashes canonical content, so
 * (SHA-256 being collision resistant) the slices are exactly the canonical content it hashed, and
 * the members read from them are its members. Any other line, including a valid one written in
 * another spelling, is not read here, and the verifier checks it the general way.
 *
 * <p>Not thread-safe; one per verifier, reused for every line.
 */
final class CanonicalEventLine {
  private static final byte[] ACTOR = ascii("{\"actor\":");
  private static final byte[] BODY = ascii(",\"body\":");
  private static final byte[] HASH = ascii(",\"hash\":\"");
  private static final byte[] KEY_ID = ascii(",\"key_id\":");
  private static final byte[] KIND = ascii(",\"kind\":\"event\"");
  private static final byte[] PREV_HASH = ascii(",\"prev_hash\":\"");
  private static final byte[] SEQ = ascii(",\"seq\":");
  private static final byte[] SIG = ascii(",\"sig\":\"");
  private static final byte[] TENANT_ID = ascii(",\"tenant_id\":");
  private static final byte[] TS = ascii(",\"ts\":\"");
  private static final byte[] TYPE = ascii(",\"type\":");
  private static final byte[] V1_END = ascii(",\"v\":1}");
  private static final int TS_LENGTH = 27;
  private static final int SIG_LENGTH = 86; // 64 bytes in unpadded base64url

  private final Sha256 hasher = Sha256.newHasher();
  private byte[] line = new byte[0];
  private long seq;
  private int tenantFrom;
  private int tenantTo;
  private int tsFrom;
  private int keyIdFrom;
  private int keyIdTo;
  private int sigFrom;
  private final byte[] prevHash = new byte[Sha256.LENGTH];
  private final byte[] hash = new byte[Sha256.LENGTH];
  private static final boolean[] BASE64URL = new boolean[128];

  static {
    for (char c : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray()) {
      BASE64URL[c] = true;
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Reads {@code b[off, off + len)}; true if it is a canonical event line whose content hashes to
   * its recorded hash. On false nothing read is meaningful.
   */
  boolean read(byte[] b, int off, int len) {
    line = b;
    int end = off + len;
    int p = expect(b, off, end, ACTOR);
    p = skipString(b, p, end);
    p = expect(b, p, end, BODY);
    if (p < 0 || p >= end || b[p] != '{') {
      return false;
    }
    p = skipValue(b, p, end);
    int slice1End = p;
    p = expect(b, p, end, HASH);
    p = hex32(b, p, end, hash);
    p = expect(b, p, end, QUOTE);
    int slice2From = p;
    p = expect(b, p, end, KEY_ID);
    keyIdFrom = p + 1;
    p = plainString(b, p, end);
    keyIdTo = p - 1;
    int slice2End = p;
    p = expect(b, p, end, KIND);
    int slice3From = p;
    p = expect(b, p, end, PREV_HASH);
    p = hex32(b, p, end, prevHash);
    p = expect(b, p, end, QUOTE);
    p = expect(b, p, end, SEQ);
    p = integer(b, p, end);
    int slice3End = p;
    p = expect(b, p, end, SIG);
    sigFrom = p;
    p = base64url(b, p, end, SIG_LENGTH);
    p = expect(b, p, end, QUOTE);
    int slice4From = p;
    p = expect(b, p, end, TENANT_ID);
    tenantFrom = p + 1;
    p = plainString(b, p, end);
    tenantTo = p - 1;
    p = expect(b, p, end, TS);
    tsFrom = p;
    p = p < 0 || p + TS_LENGTH > end ? -1 : p + TS_LENGTH;
    p = expect(b, p, end, QUOTE);
    p = expect(b, p, end, TYPE);
    p = skipString(b, p, end);
    p = expect(b, p, end, V1_END);
    if (p != end) {
      return false;
    }
    hasher.update(prevHash)
        .update(b, off, slice1End - off)
        .update(b, slice2From, slice2End - slice2From)
        .update(b, slice3From, slice3End - slice3From)
        .update(b, slice4From, end - slice4From);
    return MessageDigest.isEqual(hasher.digest(), hash);
  }

  /** What {@link #read} found, kept apart from the reader so lines can be read on several threads. */
  Read current() {
    return new Read(line, seq, tenantFrom, tenantTo, tsFrom, keyIdFrom, keyIdTo, sigFrom, HashValue.of(prevHash), HashValue.of(hash));
  }

  /** A canonical event line whose content hashed to {@link #hash}; its other members by position. */
  record Read(
      byte[] line, long seq, int tenantFrom, int tenantTo, int tsFrom, int keyIdFrom, int keyIdTo, int sigFrom,
      HashValue prevHash, HashValue hash) {

    /** Whether the event's tenant id is exactly {@code tenantUtf8}. */
    boolean tenantIs(byte[] tenantUtf8) {
      return java.util.Arrays.equals(line, tenantFrom, tenantTo, tenantUtf8, 0, tenantUtf8.length);
    }

    String tenantId() {
      return new String(line, tenantFrom, tenantTo - tenantFrom, StandardCharsets.UTF_8);
    }

    boolean keyIdIs(byte[] keyIdAscii) {
      return java.util.Arrays.equals(line, keyIdFrom, keyIdTo, keyIdAscii, 0, keyIdAscii.length);
    }

    String keyId() {
      return new String(line, keyIdFrom, keyIdTo - keyIdFrom, StandardCharsets.US_ASCII);
    }

    /** The timestamp; an {@link AuditException} if it is not the one accepted spelling. */
    java.time.Instant ts() {
      return AuditTime.parse(line, tsFrom);
    }

    String sig() {
      return new String(line, sigFrom, SIG_LENGTH, StandardCharsets.US_ASCII);
    }
  }

  private static final byte[] QUOTE = {'"'};

  /** The index after {@code literal} at {@code p}, or -1. */
  private static int expect(byte[] b, int p, int end, byte[] literal) {
    if (p < 0 || p + literal.length > end
        || !java.util.Arrays.equals(b, p, p + literal.length, literal, 0, literal.length)) {
      return -1;
    }
    return p + literal.length;
  }

  /** 64 lower-case hex digits into {@code out}; the index after them, or -1. */
  private static int hex32(byte[] b, int p, int end, byte[] out) {
    if (p < 0 || p + 64 > end) {
      return -1;
    }
    for (int i = 0; i < 32; i++) {
      int hi = nibble(b[p + 2 * i]);
      int lo = nibble(b[p + 2 * i + 1]);
      if ((hi | lo) < 0) {
        return -1;
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return p + 64;
  }

  private static int nibble(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }

  /** {@code n} base64url characters; the index after them, or -1. */
  private static int base64url(byte[] b, int p, int end, int n) {
    if (p < 0 || p + n > end) {
      return -1;
    }
    for (int i = p; i < p + n; i++) {
      byte c = b[i];
      if (c < 0 || !BASE64URL[c]) {
        return -1;
      }
    }
    return p + n;
  }

  /** A non-negative integer in canonical form (sets {@link #seq}); the index after it, or -1. */
  private int integer(byte[] b, int p, int end) {
    if (p < 0 || p >= end || b[p] < '0' || b[p] > '9' || (b[p] == '0' && p + 1 < end && b[p + 1] >= '0' && b[p + 1] <= '9')) {
      return -1;
    }
    long v = 0;
    int i = p;
    for (; i < end && b[i] >= '0' && b[i] <= '9'; i++) {
      if (i - p >= 16) {
        return -1; // beyond 2^53: not a seq the gateway writes
      }
      v = v * 10 + (b[i] - '0');
    }
    seq = v;
    return i;
  }

  /** A string without escapes and with only printable ASCII; the index after it, or -1. */
  private static int plainString(byte[] b, int p, int end) {
    if (p < 0 || p >= end || b[p] != '"') {
      return -1;
    }
    for (int i = p + 1; i < end; i++) {
      byte c = b[i];
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\' || c < 0x20 || c > 0x7e) {
        return -1;
      }
    }
    return -1;
  }

  /** Any JSON string; the index after its closing quote, or -1. */
  private static int skipString(byte[] b, int p, int end) {
    if (p < 0 || p >= end || b[p] != '"') {
      return -1;
    }
    for (int i = p + 1; i < end; i++) {
      byte c = b[i];
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\') {
        i++; // the escaped character cannot end the string; the hash check rejects a bad escape
      } else if (c >= 0 && c < 0x20) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * The index after the object or array starting at {@code p}, or -1. Strings are skipped whole,
   * so brackets inside them do not count; anything else between brackets is left to the hash.
   */
  private static int skipValue(byte[] b, int p, int end) {
    int depth = 0;
    int i = p;
    do {
      if (i >= end) {
        return -1;
      }
      byte c = b[i];
      if (c == '"') {
        i = skipString(b, i, end);
        if (i < 0) {
          return -1;
        }
      } else {
        if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          depth--;
        }
        i++;
      }
    } while (depth > 0);
    return i;
  }
}
