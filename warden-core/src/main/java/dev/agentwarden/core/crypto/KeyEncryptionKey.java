package dev.agentwarden.core.crypto;

/**
 * A key-encryption key (KEK): wraps and unwraps small blobs (tenants' data keysets), in the
 * shape of a cloud KMS so that a KMS or an external vault can replace the local key later.
 *
 * <p>Guarantees of every implementation:
 *
 * <ul>
 *   <li>{@link #wrap} is authenticated encryption bound to {@code associatedData}: {@link
 *       #unwrap} succeeds only with the same KEK and the same associated data, and fails on any
 *       altered byte.
 *   <li>{@link #keyId()} identifies the key material without revealing it (for the local KEK a
 *       key check value derived from the key), so a wrong KEK is recognised before anything is
 *       decrypted and the error can say which KEK was expected.
 *   <li>Every failure is a {@link CryptoException}; its message never contains key material or
 *       plaintext.
 * </ul>
 *
 * <p>The KEK is never stored next to what it wraps: the local KEK comes from a key file or an
 * environment variable, read by the layer that does I/O and handed in as a {@link SecretValue}.
 */
public interface KeyEncryptionKey {

  /** A stable, non-secret identifier of the key material, e.g. {@code local:3f9a0c1d2e4b5a69}. */
  String keyId();

  /** Encrypts {@code plaintext}, binding it to {@code associatedData} (which is not secret). */
  byte[] wrap(byte[] plaintext, byte[] associatedData);

  /**
   * Decrypts what {@link #wrap} produced with the same associated data.
   *
   * @throws CryptoException {@code keyset_unwrap_failed} on a wrong key, altered bytes or other
   *     associated data (deliberately one message for all three)
   */
  byte[] unwrap(byte[] ciphertext, byte[] associatedData);

  /**
   * A local AES-256-GCM KEK from raw key material: the base64 text (standard or URL-safe
   * alphabet, surrounding whitespace ignored) of exactly 32 random bytes, as written by {@link
   * #generateLocalMaterial()}.
   *
   * @throws CryptoException {@code invalid_key_material} if the text is not base64 of 32 bytes
   */
  static KeyEncryptionKey local(SecretValue base64Material) {
    return LocalKeyEncryptionKey.fromBase64(base64Material);
  }

  /** Fresh key material for {@link #local}: base64 of 32 bytes from a strong random source. */
  static SecretValue generateLocalMaterial() {
    return LocalKeyEncryptionKey.generateMaterial();
  }
}
