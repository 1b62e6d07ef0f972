package dev.agentwarden.server;

import java.util.Map;
import java.util.Objects;

/**
 * Root of every exception thrown by {@code warden-server}: a refusal that becomes an RFC 9457
 * problem with this status, stable code and detail. The detail is shown to the client, so it
 * never contains a secret, SQL text or a stack trace.
 */
public class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final transient Map<String, String> headers;

  public ApiException(int status, String code, String detail) {
    this(status, code, detail, Map.of());
  }

  public ApiException(int status, String code, String detail, Map<String, String> headers) {
    super(detail);
    this.status = status;
    this.code = code;
    this.headers = Map.copyOf(headers);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Never null: problem details and logs show it, so every exception here is built with one. */
  @Override
  public String getMessage() {
    return Objects.requireNonNullElse(super.getMessage(), code);
  }

  /** Extra response headers, e.g. {@code Retry-After}. */
  public Map<String, String> headers() {
    return headers;
  }

  public static ApiException badRequest(String code, String detail) {
    return new ApiException(400, code, detail);
  }

  /** The resource does not exist for this caller, which is also the answer for another tenant's. */
  public static ApiException notFound(String what) {
    return new ApiException(404, "not_found", what + " not found");
  }

  public static ApiException forbidden(String code, String detail) {
    return new ApiException(403, code, detail);
  }

  public static ApiException conflict(String code, String detail) {
    return new ApiException(409, code, detail);
  }
}
