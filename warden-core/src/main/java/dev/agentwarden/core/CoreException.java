package dev.agentwarden.core;

import java.util.Objects;

/**
 * Root of every exception thrown by {@code warden-core}.
 *
 * <p>Each subclass names what failed and carries a stable, machine-readable {@link #code()}
 * (for example {@code invalid_policy}) that the HTTP layer turns into an RFC 9457 problem. The
 * message of a core exception is written for the caller who sent the bad input and must never
 * contain a secret, so it may be shown to clients.
 */
public class CoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public CoreException(String code, String message) {
    super(message);
    this.code = requireCode(code);
  }

  public CoreException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = requireCode(code);
  }

  /** Stable error code, lower snake case. */
  public final String code() {
    return code;
  }

  /** Never null: problem details and logs show it, so every exception here is built with one. */
  @Override
  public String getMessage() {
    return Objects.requireNonNullElse(super.getMessage(), code);
  }

  private static String requireCode(String code) {
    if (code == null || !code.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("error code must be lower snake case, got: " + code);
    }
    return code;
  }
}
