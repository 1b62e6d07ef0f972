package dev.agentwarden.core.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256, the one hash of the audit chain and the Merkle tree. A JDK without SHA-256 cannot
 * run the gateway at all, so its absence is an {@link IllegalStateException}, not a case to
 * handle.
 */
public final class Sha256 {
  /** Digest length in bytes. */
  public static final int LENGTH = 32;

  /** Cloning a prototype skips the provider lookup of getInstance, which costs more than hashing an event. */
  private static final MessageDigest PROTOTYPE;

  static {
    try {
      PROTOTYPE = MessageDigest.getInstance("SHA-256");
      Object unused = PROTOTYPE.clone();
    } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK provides no cloneable SHA-256", e);
    }
  }

  private final MessageDigest digest;

  private Sha256() {
    try {
      digest = (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("SHA-256 stopped being cloneable", e);
    }
  }

  /** A fresh incremental hasher; not thread-safe, reusable after {@link #digest()}. */
  public static Sha256 newHasher() {
    return new Sha256();
  }

  /** SHA-256 of the concatenation of {@code parts}. */
  public static byte[] hash(byte[]... parts) {
    Sha256 h = new Sha256();
    for (byte[] part : parts) {
      h.update(part);
    }
    return h.digest();
  }

  public Sha256 update(byte b) {
    digest.update(b);
    return this;
  }

  public Sha256 update(byte[] bytes) {
    digest.update(bytes);
    return this;
  }

  public Sha256 update(byte[] bytes, int offset, int length) {
    digest.update(bytes, offset, length);
    return this;
  }

  /** Finishes the hash and resets this hasher. */
  public byte[] digest() {
    return digest.digest();
  }
}
