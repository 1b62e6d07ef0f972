package dev.agentwarden.core.audit;

import dev.agentwarden.core.crypto.Sha256;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/** A SHA-256 value of the audit chain or its Merkle tree; written as 64 lower-case hex digits. */
public final class HashValue {
  private static final HexFormat HEX = HexFormat.of();
  private final byte[] bytes;

  private HashValue(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Wraps a copy of a 32-byte digest. */
  public static HashValue of(byte[] digest) {
    Objects.requireNonNull(digest, "digest");
    if (digest.length != Sha256.LENGTH) {
      throw new AuditException("invalid_hash", "a hash has " + Sha256.LENGTH + " bytes, got " + digest.length);
    }
    return new HashValue(digest.clone());
  }

  /** Takes ownership of a freshly computed digest, without copying. */
  static HashValue wrap(byte[] digest) {
    return new HashValue(digest);
  }

  /** Parses 64 lower-case hex digits; upper case is refused so every hash has one spelling. */
  public static HashValue parse(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != 2 * Sha256.LENGTH) {
      throw new AuditException("invalid_hash", "a hash is 64 lower-case hex digits");
    }
    byte[] out = new byte[Sha256.LENGTH];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) ((nibble(hex.charAt(2 * i)) << 4) | nibble(hex.charAt(2 * i + 1)));
    }
    return new HashValue(out);
  }

  private static int nibble(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    throw new AuditException("invalid_hash", "a hash is 64 lower-case hex digits");
  }

  /** A copy of the 32 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The bytes without a copy, for hashing inside this package. */
  byte[] raw() {
    return bytes;
  }

  public String hex() {
    return HEX.formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HashValue other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
