package dev.agentwarden.store;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Root of every exception thrown by {@code warden-store}. The message is for operators' logs:
 * it may name tables but never carries bound values, so no secret reaches it.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public StoreException(String code, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public StoreException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** Stable error code: {@code database_unavailable}, {@code conflict}, ... */
  public final String code() {
    return code;
  }

  /** Never null: problem details and logs show it, so every exception here is built with one. */
  @Override
  public String getMessage() {
    return Objects.requireNonNullElse(super.getMessage(), code);
  }
}
