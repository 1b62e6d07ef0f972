package dev.agentwarden.core.crypto;

import java.util.Arrays;

/**
 * A tenant's data keyset as it is stored: encrypted by a {@link KeyEncryptionKey} and bound to
 * the tenant, plus the id of the KEK that wrapped it. Holds no clear key material, so it may be
 * written to the database and to backups; destroying every copy of it makes everything
 * encrypted under it unrecoverable (crypto-shredding).
 */
public final class WrappedKeyset {
  private final String kekId;
  private final byte[] ciphertext;

  private WrappedKeyset(String kekId, byte[] ciphertext) {
    this.kekId = kekId;
    this.ciphertext = ciphertext;
  }

  /**
   * Rebuilds a stored value (for the repository that loads it).
   *
   * @throws CryptoException {@code invalid_argument} if the KEK id is blank or the bytes are empty
   */
  public static WrappedKeyset of(String kekId, byte[] ciphertext) {
    if (kekId == null || kekId.isBlank()) {
      throw new CryptoException("invalid_argument", "a wrapped keyset needs the id of the KEK that wrapped it");
    }
    if (ciphertext == null || ciphertext.length == 0) {
      throw new CryptoException("invalid_argument", "a wrapped keyset must not be empty");
    }
    return new WrappedKeyset(kekId, ciphertext.clone());
  }

  /** Id of the KEK that wrapped this keyset (see {@link KeyEncryptionKey#keyId()}). */
  public String kekId() {
    return kekId;
  }

  /** The wrapped bytes (a copy). */
  public byte[] ciphertext() {
    return ciphertext.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WrappedKeyset w && kekId.equals(w.kekId) && Arrays.equals(ciphertext, w.ciphertext);
  }

  @Override
  public int hashCode() {
    return 31 * kekId.hashCode() + Arrays.hashCode(ciphertext);
  }

  @Override
  public String toString() {
    return "WrappedKeyset[kek=" + kekId + ", " + ciphertext.length + " bytes]";
  }
}
