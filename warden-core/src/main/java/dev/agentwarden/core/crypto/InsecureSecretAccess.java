package dev.agentwarden.core.crypto;

/**
 * Hands out the {@link SecretAccess} token. Named so that every call site reads as what it is:
 * a place where a secret is turned back into clear text (injecting a header at egress,
 * scrubbing an echoed secret). Reviewers list them with {@code grep -rn InsecureSecretAccess}.
 */
public final class InsecureSecretAccess {
  private InsecureSecretAccess() {}

  /** Returns the access token; each call site is an audited escape of a clear secret. */
  public static SecretAccess get() {
    return SecretAccess.INSTANCE;
  }
}
