package dev.agentwarden.core.crypto;

import com.google.crypto.tink.Aead;
import dev.agentwarden.core.id.TenantId;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * Encrypts and decrypts one tenant's secrets with its data keyset (from {@link
 * TenantKeys#open}). Thread-safe and immutable.
 *
 * <p>Every ciphertext is bound (as AEAD associated data) to the tenant id and to a {@code
 * secretId}, the stable id of the row or object the secret belongs to: a ciphertext copied to
 * another tenant or to another secret fails to decrypt. Decryption failures all carry the same
 * message, so they tell an attacker nothing about why.
 */
public final class TenantCipher {
  private static final String SECRET_LABEL = "agentwarden.vault.secret.v1";
  /** Tink's TINK output prefix: one version byte, then the 4-byte key id. */
  private static final int PREFIX_BYTES = 5;

  private static final byte TINK_PREFIX_VERSION = 1;

  private final TenantId tenantId;
  private final Aead aead;
  private final KeysetStatus status;

  TenantCipher(TenantId tenantId, Aead aead, KeysetStatus status) {
    this.tenantId = tenantId;
    this.aead = aead;
    this.status = status;
  }

  /** Encrypts {@code value} under the primary data key, bound to this tenant and {@code secretId}. */
  public byte[] encrypt(String secretId, SecretValue value) {
    byte[] clear = value.revealUtf8(InsecureSecretAccess.get());
    try {
      return aead.encrypt(clear, binding(secretId));
    } catch (GeneralSecurityException e) {
      throw new CryptoException("encryption_failed", "encrypting a secret of tenant " + tenantId + " failed");
    } finally {
      Arrays.fill(clear, (byte) 0);
    }
  }

  /**
   * Decrypts a ciphertext made by {@link #encrypt} for the same tenant and {@code secretId}.
   *
   * @throws CryptoException {@code decryption_failed} if it was made for another tenant or secret,
   *     altered, or made under a key this keyset does not hold (retired or shredded)
   */
  public SecretValue decrypt(String secretId, byte[] ciphertext) {
    byte[] clear;
    try {
      clear = aead.decrypt(ciphertext, binding(secretId));
    } catch (GeneralSecurityException e) {
      throw new CryptoException(
          "decryption_failed",
          "secret " + secretId + " of tenant " + tenantId + " does not decrypt with this tenant's keys");
    }
    try {
      return SecretValue.ofUtf8(clear);
    } finally {
      Arrays.fill(clear, (byte) 0);
    }
  }

  /** Whether {@code ciphertext} was made with the current primary key (false: re-encrypt it). */
  public boolean isUnderPrimaryKey(byte[] ciphertext) {
    if (ciphertext.length < PREFIX_BYTES || ciphertext[0] != TINK_PREFIX_VERSION) {
      return false;
    }
    long keyId =
        Integer.toUnsignedLong(
            (ciphertext[1] & 0xff) << 24
                | (ciphertext[2] & 0xff) << 16
                | (ciphertext[3] & 0xff) << 8
                | (ciphertext[4] & 0xff));
    return keyId == status.primaryKeyId();
  }

  /** Decrypts with whichever key made the ciphertext and encrypts again with the primary key. */
  public byte[] reencrypt(String secretId, byte[] ciphertext) {
    return encrypt(secretId, decrypt(secretId, ciphertext));
  }

  /** The tenant this cipher belongs to. */
  public TenantId tenantId() {
    return tenantId;
  }

  /** Non-secret facts about the keyset behind this cipher. */
  public KeysetStatus status() {
    return status;
  }

  private byte[] binding(String secretId) {
    BindingContext.requireId("secret id", secretId);
    return BindingContext.of(SECRET_LABEL, tenantId.toString(), secretId);
  }

  @Override
  public String toString() {
    return "TenantCipher[tenant=" + tenantId + ", " + status + "]";
  }
}
