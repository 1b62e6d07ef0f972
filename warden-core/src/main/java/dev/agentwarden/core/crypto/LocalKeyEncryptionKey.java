package dev.agentwarden.core.crypto;

import com.google.crypto.tink.AccessesPartialKey;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.subtle.AesGcmJce;
import com.google.crypto.tink.util.SecretBytes;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The local KEK: AES-256-GCM (Tink, 12-byte random nonce, 16-byte tag, no prefix). */
final class LocalKeyEncryptionKey implements KeyEncryptionKey {
  static final int KEY_BYTES = 32;
  private static final byte[] CHECK_LABEL =
      "agentwarden kek check value v1".getBytes(StandardCharsets.US_ASCII);

  private final Aead aead;
  private final String keyId;

  private LocalKeyEncryptionKey(Aead aead, String keyId) {
    this.aead = aead;
    this.keyId = keyId;
  }

  static KeyEncryptionKey fromBase64(SecretValue base64Material) {
    if (base64Material == null) {
      throw new CryptoException("invalid_key_material", "KEK material is required");
    }
    String text = base64Material.reveal(InsecureSecretAccess.get()).strip();
    byte[] raw;
    try {
      raw =
          text.indexOf('-') >= 0 || text.indexOf('_') >= 0
              ? Base64.getUrlDecoder().decode(text)
              : Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new CryptoException(
          "invalid_key_material", "KEK material must be base64 text of " + KEY_BYTES + " bytes");
    }
    try {
      if (raw.length != KEY_BYTES) {
        throw new CryptoException(
            "invalid_key_material",
            "KEK material must be base64 of "
                + KEY_BYTES
                + " bytes (AES-256), got "
                + raw.length
                + " bytes");
      }
      return fromRaw(raw);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  static KeyEncryptionKey fromRaw(byte[] raw) {
    try {
      return fromRaw(raw, "local:" + checkValue(raw));
    } catch (GeneralSecurityException e) {
      throw new CryptoException("invalid_key_material", "KEK material was rejected by HMAC-SHA256", e);
    }
  }

  /** A key named by {@code keyId} instead of its check value (a tenant key: its id is its name). */
  // Building an AES-GCM key from raw bytes is exactly a partial-key access: a key file holds only the key material.
  @AccessesPartialKey
  static KeyEncryptionKey fromRaw(byte[] raw, String keyId) {
    try {
      AesGcmParameters parameters =
          AesGcmParameters.builder()
              .setKeySizeBytes(KEY_BYTES)
              .setIvSizeBytes(12)
              .setTagSizeBytes(16)
              .setVariant(AesGcmParameters.Variant.NO_PREFIX)
              .build();
      AesGcmKey key =
          AesGcmKey.builder()
              .setParameters(parameters)
              .setKeyBytes(SecretBytes.copyFrom(raw, InsecureSecretKeyAccess.get()))
              .build();
      return new LocalKeyEncryptionKey(AesGcmJce.create(key), keyId);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("invalid_key_material", "KEK material was rejected by AES-256-GCM", e);
    }
  }

  /**
   * A key check value: HMAC-SHA256(key, label), first 8 bytes in hex. It identifies the key
   * (wrong KEK is reported before a decryption is attempted) and reveals nothing usable about
   * it: HMAC is a PRF, and 64 bits are far too few to test key guesses against offline faster
   * than the key space allows.
   */
  private static String checkValue(byte[] raw) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(raw, "HmacSHA256"));
    byte[] full = mac.doFinal(CHECK_LABEL);
    return HexFormat.of().formatHex(full, 0, 8);
  }

  static SecretValue generateMaterial() {
    byte[] raw = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(raw);
    try {
      return SecretValue.of(Base64.getEncoder().encodeToString(raw));
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  @Override
  public String keyId() {
    return keyId;
  }

  @Override
  public byte[] wrap(byte[] plaintext, byte[] associatedData) {
    try {
      return aead.encrypt(plaintext, associatedData);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("encryption_failed", "wrapping with KEK " + keyId + " failed", e);
    }
  }

  @Override
  public byte[] unwrap(byte[] ciphertext, byte[] associatedData) {
    try {
      return aead.decrypt(ciphertext, associatedData);
    } catch (GeneralSecurityException e) {
      throw new CryptoException(
          "keyset_unwrap_failed",
          "unwrapping with KEK "
              + keyId
              + " failed: wrong KEK, altered data, or data bound to another tenant");
    }
  }

  @Override
  public String toString() {
    return "KeyEncryptionKey[" + keyId + "]";
  }
}
