package dev.agentwarden.core.audit;

import dev.agentwarden.core.crypto.Ed25519;
import java.util.Objects;

/**
 * The gateway's current audit signing key: the published {@link AuditKey} and its private half.
 * Thread-safe. Signing happens only through the chain and tree-head rules of this package.
 */
public final class AuditSigner {
  private final AuditKey key;
  private final Ed25519.SigningKey signingKey;

  private AuditSigner(AuditKey key, Ed25519.SigningKey signingKey) {
    this.key = key;
    this.signingKey = signingKey;
  }

  /** Pairs a private key with its published key; refuses a mismatched pair. */
  public static AuditSigner of(AuditKey key, Ed25519.SigningKey signingKey) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(signingKey, "signingKey");
    if (!java.security.MessageDigest.isEqual(key.publicKey().encoded(), signingKey.publicKey())) {
      throw new AuditException("invalid_key", "the private key does not belong to key " + key.keyId());
    }
    return new AuditSigner(key, signingKey);
  }

  public AuditKey key() {
    return key;
  }

  String keyId() {
    return key.keyId();
  }

  byte[] sign(byte[] message) {
    return signingKey.sign(message);
  }

  @Override
  public String toString() {
    return "AuditSigner[" + key.keyId() + "]";
  }
}
