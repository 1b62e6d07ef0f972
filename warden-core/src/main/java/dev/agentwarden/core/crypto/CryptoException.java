package dev.agentwarden.core.crypto;

import dev.agentwarden.core.CoreException;

/**
 * A cryptographic operation failed or was refused. The message names what failed (which KEK,
 * which tenant's keyset) and never contains key material, plaintext or ciphertext.
 *
 * <p>Codes: {@code invalid_key_material}, {@code kek_mismatch}, {@code keyset_unwrap_failed},
 * {@code decryption_failed}, {@code encryption_failed}, {@code invalid_secret}, {@code secret_access_denied},
 * {@code tenant_key_missing}, {@code tenant_key_unreadable}.
 */
public final class CryptoException extends CoreException {
  private static final long serialVersionUID = 1L;

  CryptoException(String code, String message) {
    super(code, message);
  }

  CryptoException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
