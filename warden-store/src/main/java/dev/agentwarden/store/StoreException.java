package dev.agentwarden.store;

/**
 * Root of every exception thrown by {@code warden-store}. The message is for operators' logs:
 * it may name tables but never carries bound values, so no secret reaches it.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public StoreException(String code, String message, Throwable cause) {
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
}
