package dev.agentwarden.sandbox;

import java.util.Objects;

/**
 * Root of every exception thrown by {@code warden-sandbox}. {@link #code()} is a stable lower
 * snake case error code; the message is safe to show to the caller (it names workspace-relative
 * paths only, never the host's directories).
 */
public class SandboxException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public SandboxException(String code, String message) {
    super(message);
    this.code = code;
  }

  public SandboxException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public final String code() {
    return code;
  }

  /** Never null: problem details and logs show it, so every exception here is built with one. */
  @Override
  public String getMessage() {
    return Objects.requireNonNullElse(super.getMessage(), code);
  }
}
