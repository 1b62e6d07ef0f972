package dev.agentwarden.core.crypto;

import dev.agentwarden.core.id.TenantId;
import java.util.List;

/**
 * Per-tenant wrapping keys kept outside the database, in the shape of a cloud KMS: create a key,
 * wrap and unwrap with it (through the {@link KeyEncryptionKey} it returns), destroy it. Each
 * tenant's data keyset is wrapped by the tenant's own key, so destroying that key (tenant purge)
 * makes the keyset, and everything it encrypted, unrecoverable wherever a copy of the database
 * lives: a backup holds the wrapped keyset but never the key that opens it.
 *
 * <p>The local implementation ({@link #local}) seals each key under the master KEK and keeps it
 * in a {@link SealedKeyStorage} (a key directory); a cloud KMS or an external vault implements
 * this interface with one KMS key per tenant and its own create, encrypt, decrypt and
 * schedule-deletion calls.
 *
 * <p>Guarantees of every implementation:
 *
 * <ul>
 *   <li>A key returned for a {@link TenantKeyId} has {@link KeyEncryptionKey#keyId()} equal to
 *       that id's text, and its wraps are authenticated and bound to their associated data.
 *   <li>{@link #key} fails with {@link CryptoException} {@code tenant_key_missing} for a key
 *       that does not exist (destroyed, or never here), and {@code tenant_key_unreadable} for one
 *       that exists but does not open (altered, swapped for another key, or sealed under a master
 *       key that is not configured); messages name the key and the tenant, never material.
 *   <li>{@link #destroyKey} is final: no later call of this or any other process opens the key.
 * </ul>
 */
public interface TenantKeyProvider {

  /** Id of the master key new tenant keys are protected with (for status and messages). */
  String masterKeyId();

  /** Where the keys live, for operators (e.g. {@code key directory /etc/warden/tenant-keys}). */
  String describe();

  /** Creates a new key for {@code tenant}; never returns an existing one. */
  KeyEncryptionKey createKey(TenantId tenant);

  /**
   * The key named {@code id}.
   *
   * @throws CryptoException {@code tenant_key_missing} or {@code tenant_key_unreadable}
   */
  KeyEncryptionKey key(TenantKeyId id);

  /** Destroys the key; false if there was none (destroying twice is harmless). */
  boolean destroyKey(TenantKeyId id);

  /** Whether the key is there and opens, without failing. */
  TenantKeyStatus status(TenantKeyId id);

  /** Every key this provider holds. */
  List<TenantKeyId> keyIds();

  /**
   * Master-key rotation: protects every key with the current master key. Returns how many keys
   * changed; a provider whose master keys rotate by themselves (a cloud KMS) returns 0.
   *
   * @throws CryptoException {@code tenant_key_unreadable} if a key is protected by a master key
   *     that is not configured (nothing is lost: the keys done so far open with either)
   */
  int rewrapAll();

  /**
   * The local provider: each key is 32 random bytes (AES-256-GCM), sealed under {@code master}
   * and kept in {@code storage}; keys sealed under one of {@code previousMasters} (during a KEK
   * rotation) still open.
   */
  static TenantKeyProvider local(
      SealedKeyStorage storage, KeyEncryptionKey master, List<KeyEncryptionKey> previousMasters) {
    return new LocalTenantKeyProvider(storage, master, previousMasters);
  }
}
