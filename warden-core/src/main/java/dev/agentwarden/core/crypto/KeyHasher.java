package dev.agentwarden.core.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hashes of API-key secrets (HMAC-SHA-256 with a pepper kept outside the database), so a
 * stolen database alone cannot be used to test guessed keys.
 */
public final class KeyHasher {
  private static final String ALGORITHM = "HmacSHA256";
  private static final int MIN_PEPPER_BYTES = 32;

  private final SecretKeySpec pepper;

  private KeyHasher(byte[] pepper) {
    this.pepper = new SecretKeySpec(pepper, ALGORITHM);
  }

  /** A hasher for the given pepper, which must hold at least 32 bytes of key material. */
  public static KeyHasher withPepper(byte[] pepper) {
    if (pepper.length < MIN_PEPPER_BYTES) {
      throw new IllegalArgumentException(
          "pepper must be at least " + MIN_PEPPER_BYTES + " bytes, got " + pepper.length);
    }
    return new KeyHasher(pepper.clone());
  }

  /** HMAC of the text under the pepper, with a purpose label so one pepper serves several uses. */
  public byte[] hash(String purpose, String secret) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(pepper);
      mac.update(purpose.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      return mac.doFinal(secret.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA-256 unavailable", e);
    }
  }

  /** Constant-time comparison of a presented secret with a stored hash. */
  public boolean matches(String purpose, String secret, byte[] storedHash) {
    return MessageDigest.isEqual(hash(purpose, secret), storedHash);
  }

  @Override
  public String toString() {
    return "KeyHasher[pepper=***]";
  }
}
