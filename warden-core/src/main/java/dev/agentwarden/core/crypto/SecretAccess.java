package dev.agentwarden.core.crypto;

/**
 * A capability token that a caller must present to get the clear value out of a {@link
 * SecretValue}.
 *
 * <p>The only way to obtain one is {@link InsecureSecretAccess#get()}, so every place where a
 * secret leaves its wrapper can be found with {@code grep -rn InsecureSecretAccess}. The token
 * carries no state and grants nothing else.
 */
public final class SecretAccess {
  static final SecretAccess INSTANCE = new SecretAccess();

  private SecretAccess() {}
}
