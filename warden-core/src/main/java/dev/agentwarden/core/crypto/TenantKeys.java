package dev.agentwarden.core.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.agentwarden.core.id.TenantId;
import java.security.GeneralSecurityException;

/**
 * Envelope encryption per tenant: each tenant owns a Tink AEAD keyset (AES-256-GCM keys), kept
 * only as a {@link WrappedKeyset} encrypted by a {@link KeyEncryptionKey}: the tenant's own key
 * from a {@link TenantKeyProvider} (or, for keysets made before tenants had keys, the master KEK).
 * This is the one entry point for creating, opening and rotating those keysets.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>A wrapped keyset is bound to its tenant id: the wrapped keyset of tenant A, copied to
 *       tenant B's row, does not open.
 *   <li>Opening with another KEK than the one that wrapped the keyset fails with {@code
 *       kek_mismatch} naming both KEK ids, before any decryption is attempted.
 *   <li>KEK rotation ({@link #rewrap}) re-encrypts the keyset only; ciphertexts made with it
 *       stay valid untouched.
 *   <li>Data-key rotation ({@link #rotate}) adds a new primary key; old ciphertexts stay
 *       readable (the key is chosen by the id in the ciphertext prefix) until they are
 *       re-encrypted with {@link TenantCipher#reencrypt} and the old keys are retired with {@link
 *       #retireOldKeys}.
 *   <li>Crypto-shredding: the keyset exists nowhere else; once the tenant key that wraps it is
 *       destroyed ({@link TenantKeyProvider#destroyKey}), every copy of the wrapped keyset (in
 *       backups too) is noise, and no key (not even a new keyset of the same tenant) decrypts
 *       what it encrypted.
 * </ul>
 */
public final class TenantKeys {
  private static final String KEYSET_LABEL = "agentwarden.vault.keyset.v1";

  static {
    try {
      AeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private TenantKeys() {}

  /** A fresh keyset for {@code tenantId} with one AES-256-GCM key, wrapped by {@code kek}. */
  public static WrappedKeyset create(TenantId tenantId, KeyEncryptionKey kek) {
    requireTenant(tenantId);
    try {
      return wrap(tenantId, KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM), kek);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("encryption_failed", "creating a data keyset failed", e);
    }
  }

  /** Unwraps the tenant's keyset and returns a cipher for its secrets. */
  public static TenantCipher open(TenantId tenantId, WrappedKeyset wrapped, KeyEncryptionKey kek) {
    KeysetHandle handle = unwrap(tenantId, wrapped, kek);
    try {
      Aead aead = handle.getPrimitive(RegistryConfiguration.get(), Aead.class);
      return new TenantCipher(tenantId, aead, status(kek.keyId(), handle));
    } catch (GeneralSecurityException e) {
      throw new CryptoException(
          "keyset_unwrap_failed", "the data keyset of tenant " + tenantId + " is unusable", e);
    }
  }

  /**
   * KEK rotation: the same keyset, unwrapped with {@code from} and wrapped with {@code to}. No
   * ciphertext made with the keyset changes.
   */
  public static WrappedKeyset rewrap(
      TenantId tenantId, WrappedKeyset wrapped, KeyEncryptionKey from, KeyEncryptionKey to) {
    return wrap(tenantId, unwrap(tenantId, wrapped, from), to);
  }

  /**
   * Data-key rotation: adds a new AES-256-GCM key and makes it primary. New ciphertexts use it;
   * old ones stay readable with the key they name.
   */
  public static WrappedKeyset rotate(TenantId tenantId, WrappedKeyset wrapped, KeyEncryptionKey kek) {
    KeysetHandle handle = unwrap(tenantId, wrapped, kek);
    try {
      KeysetHandle rotated =
          KeysetHandle.newBuilder(handle)
              .addEntry(
                  KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
                      .withRandomId()
                      .makePrimary())
              .build();
      return wrap(tenantId, rotated, kek);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("encryption_failed", "rotating the data keyset failed", e);
    }
  }

  /**
   * Removes every key but the primary. Call only after every ciphertext of the tenant was
   * re-encrypted ({@link TenantCipher#isUnderPrimaryKey}): anything still under a retired key
   * becomes unrecoverable.
   */
  public static WrappedKeyset retireOldKeys(
      TenantId tenantId, WrappedKeyset wrapped, KeyEncryptionKey kek) {
    KeysetHandle handle = unwrap(tenantId, wrapped, kek);
    try {
      KeysetHandle.Builder builder = KeysetHandle.newBuilder(handle);
      for (int i = builder.size() - 1; i >= 0; i--) {
        if (!builder.getAt(i).isPrimary()) {
          builder.deleteAt(i);
        }
      }
      return wrap(tenantId, builder.build(), kek);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("encryption_failed", "retiring old data keys failed", e);
    }
  }

  /** Non-secret facts about the keyset (needs the KEK: the key list is inside the wrapping). */
  public static KeysetStatus status(TenantId tenantId, WrappedKeyset wrapped, KeyEncryptionKey kek) {
    return status(kek.keyId(), unwrap(tenantId, wrapped, kek));
  }

  private static KeysetStatus status(String kekId, KeysetHandle handle) {
    return new KeysetStatus(kekId, handle.size(), Integer.toUnsignedLong(handle.getPrimary().getId()));
  }

  private static WrappedKeyset wrap(TenantId tenantId, KeysetHandle handle, KeyEncryptionKey kek) {
    try {
      byte[] bytes =
          TinkProtoKeysetFormat.serializeEncryptedKeyset(
              handle, asTinkAead(kek), keysetBinding(tenantId));
      return WrappedKeyset.of(kek.keyId(), bytes);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("encryption_failed", "wrapping the data keyset with KEK " + kek.keyId() + " failed", e);
    }
  }

  private static KeysetHandle unwrap(TenantId tenantId, WrappedKeyset wrapped, KeyEncryptionKey kek) {
    requireTenant(tenantId);
    if (!wrapped.kekId().equals(kek.keyId())) {
      throw new CryptoException(
          "kek_mismatch",
          "the data keyset of tenant "
              + tenantId
              + " was wrapped by KEK "
              + wrapped.kekId()
              + " but the configured KEK is "
              + kek.keyId());
    }
    try {
      return TinkProtoKeysetFormat.parseEncryptedKeyset(
          wrapped.ciphertext(), asTinkAead(kek), keysetBinding(tenantId));
    } catch (GeneralSecurityException | CryptoException e) {
      throw new CryptoException(
          "keyset_unwrap_failed",
          "the data keyset of tenant "
              + tenantId
              + " does not unwrap with KEK "
              + kek.keyId()
              + ": it was altered or belongs to another tenant");
    }
  }

  private static byte[] keysetBinding(TenantId tenantId) {
    return BindingContext.of(KEYSET_LABEL, tenantId.toString());
  }

  private static void requireTenant(TenantId tenantId) {
    if (tenantId == null || tenantId.isOperator()) {
      throw new CryptoException("invalid_argument", "a data keyset belongs to one tenant, not the operator scope");
    }
  }

  /** Lets Tink's keyset encryption call our KEK, as it calls a KMS. */
  private static Aead asTinkAead(KeyEncryptionKey kek) {
    return new Aead() {
      @Override
      public byte[] encrypt(byte[] plaintext, byte[] associatedData) {
        return kek.wrap(plaintext, associatedData);
      }

      @Override
      public byte[] decrypt(byte[] ciphertext, byte[] associatedData)
          throws GeneralSecurityException {
        try {
          return kek.unwrap(ciphertext, associatedData);
        } catch (CryptoException e) {
          throw new GeneralSecurityException(e.code());
        }
      }
    };
  }
}
