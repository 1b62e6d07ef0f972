package dev.agentwarden.core.crypto;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint;

/**
 * Ed25519 (RFC 8032, pure, no context) signatures.
 *
 * <p>Implemented with BouncyCastle's {@code rfc8032} code rather than the JDK's {@code EdDSA}
 * provider: on our machines it signs about ten times faster and verifies several times faster
 * (the JMH figures are in {@code BENCHMARKS.md}), and the audit log signs every event. Public
 * keys are decoded and validated once ({@link PublicKey#of}), so verifying many signatures by
 * one key does not decompress the point each time.
 */
public final class Ed25519 {
  /** Length of an encoded public key. */
  public static final int PUBLIC_KEY_LENGTH = 32;
  /** Length of a private key seed. */
  public static final int SEED_LENGTH = 32;
  /** Length of a signature. */
  public static final int SIGNATURE_LENGTH = 64;

  private Ed25519() {}

  /** A fresh key pair from {@code random}. */
  public static SigningKey generate(SecureRandom random) {
    byte[] seed = new byte[SEED_LENGTH];
    org.bouncycastle.math.ec.rfc8032.Ed25519.generatePrivateKey(random, seed);
    return new SigningKey(seed);
  }

  /** The key pair of a 32-byte RFC 8032 private key seed; the caller may wipe its array after. */
  public static SigningKey fromSeed(byte[] seed) {
    Objects.requireNonNull(seed, "seed");
    if (seed.length != SEED_LENGTH) {
      throw new IllegalArgumentException(
          "an Ed25519 private key seed has " + SEED_LENGTH + " bytes, got " + seed.length);
    }
    return new SigningKey(seed.clone());
  }

  /** A private key. It has no {@code toString} content and leaves memory only through {@link #exportSeed}. */
  public static final class SigningKey {
    private final byte[] seed;
    private final byte[] publicKey = new byte[PUBLIC_KEY_LENGTH];

    private SigningKey(byte[] seed) {
      this.seed = seed;
      org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, publicKey, 0);
    }

    /** The encoded public key (32 bytes). */
    public byte[] publicKey() {
      return publicKey.clone();
    }

    /** Signs {@code message}; thread-safe. */
    public byte[] sign(byte[] message) {
      byte[] sig = new byte[SIGNATURE_LENGTH];
      org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, publicKey, 0, message, 0, message.length, sig, 0);
      return sig;
    }

    /**
     * The private seed, for writing the key to its protected file. Every call site is a place
     * where the private key leaves this object; keep them few and greppable.
     */
    public byte[] exportSeed() {
      return seed.clone();
    }

    @Override
    public String toString() {
      return "Ed25519.SigningKey[private]";
    }
  }

  /** A validated public key, ready for repeated verification. */
  public static final class PublicKey {
    private final byte[] encoded;
    private final PublicPoint point;

    private PublicKey(byte[] encoded, PublicPoint point) {
      this.encoded = encoded;
      this.point = point;
    }

    /**
     * Decodes and fully validates (on the curve, in the prime-order subgroup, not small order)
     * an encoded public key.
     *
     * @throws IllegalArgumentException if the bytes are not a valid Ed25519 public key
     */
    public static PublicKey of(byte[] encoded) {
      Objects.requireNonNull(encoded, "encoded");
      if (encoded.length != PUBLIC_KEY_LENGTH) {
        throw new IllegalArgumentException(
            "an Ed25519 public key has " + PUBLIC_KEY_LENGTH + " bytes, got " + encoded.length);
      }
      PublicPoint point = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFullExport(encoded, 0);
      if (point == null) {
        throw new IllegalArgumentException("not a valid Ed25519 public key");
      }
      return new PublicKey(encoded.clone(), point);
    }

    public byte[] encoded() {
      return encoded.clone();
    }

    /** True only if {@code signature} is a valid RFC 8032 signature of {@code message} by this key. */
    public boolean verify(byte[] message, byte[] signature) {
      if (signature == null || signature.length != SIGNATURE_LENGTH || message == null) {
        return false;
      }
      return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature, 0, point, message, 0, message.length);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PublicKey other && MessageDigest.isEqual(encoded, other.encoded);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(encoded);
    }
  }
}
