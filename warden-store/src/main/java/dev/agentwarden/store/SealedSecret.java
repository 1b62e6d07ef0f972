package dev.agentwarden.store;

import dev.agentwarden.core.crypto.TenantCipher;
import dev.agentwarden.core.vault.BrokeredSecret;
import dev.agentwarden.core.vault.VaultException;
import java.util.function.Supplier;

/**
 * A secret read for one outbound call and still encrypted: its rules, its ciphertext and the
 * tenant's wrapped data key, read in the caller's transaction ({@link Vault#seal}) so that
 * releasing it at egress needs no database round trip. {@link #release} checks the destination
 * against the secret's {@code allowed_hosts} before it unwraps or decrypts anything. Lives only
 * for the call that sealed it; it prints nothing of the secret.
 */
public final class SealedSecret {
  private final VaultSecret meta;
  private final byte[] ciphertext;
  private final Supplier<TenantCipher> dataKey;

  /** {@code dataKey} unwraps the tenant's data key (already read) when called, not before. */
  SealedSecret(VaultSecret meta, byte[] ciphertext, Supplier<TenantCipher> dataKey) {
    this.meta = meta;
    this.ciphertext = ciphertext.clone();
    this.dataKey = dataKey;
  }

  /**
   * Decrypts the secret for one request to {@code destinationHost}, which egress has already
   * checked against the network policy.
   *
   * @throws VaultException {@code host_not_allowed} when the host is outside the secret's
   *     allow-list (nothing is unwrapped or decrypted)
   */
  public BrokeredSecret release(String destinationHost) {
    Vault.requireAllowedHost(meta, destinationHost);
    return BrokeredSecret.of(meta.ref(), meta.injection(), dataKey.get().decrypt(meta.id().toString(), ciphertext));
  }

  @Override
  public String toString() {
    return "SealedSecret[" + meta.ref() + "]";
  }
}
