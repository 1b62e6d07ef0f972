package dev.agentwarden.mcp;

import java.util.Objects;

/**
 * Root of every exception thrown by {@code warden-mcp}: a stable lower_snake {@link #code()} and
 * a message safe to show the agent or the admin (never a credential, never upstream internals
 * beyond the upstream's own error message).
 */
public class McpException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public McpException(String code, String message) {
    super(message);
    this.code = code;
  }

  public McpException(String code, String message, Throwable cause) {
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
