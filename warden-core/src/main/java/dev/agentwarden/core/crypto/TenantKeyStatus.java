package dev.agentwarden.core.crypto;

import java.util.Optional;

/**
 * What a {@link TenantKeyProvider} can say about one tenant key without using it for data.
 *
 * @param state whether the key is there and opens
 * @param masterKeyId the master KEK the key is sealed under, when that can be read
 * @param detail one line for an operator (never key material)
 */
public record TenantKeyStatus(State state, Optional<String> masterKeyId, String detail) {

  /** The states of a tenant key. */
  public enum State {
    /** The key is there and opens with a configured master KEK. */
    PRESENT,
    /** No such key: destroyed (tenant purged) or never in this provider. */
    MISSING,
    /** The key is there but does not open: altered, swapped, or sealed under a KEK not given. */
    UNREADABLE
  }
}
