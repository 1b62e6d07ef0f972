package dev.agentwarden.egress;

import java.util.Objects;

/**
 * Root of every exception thrown by {@code warden-egress}. Each subclass names what failed and
 * carries a stable lower_snake {@link #code()} for problem details. Messages name hosts, never
 * full URLs or header values, because those carry tokens: they are safe to show a client.
 */
public class EgressException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  EgressException(String code, String message) {
    super(message);
    this.code = code;
  }

  EgressException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
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

  /** The policy refused the destination (or a redirect hop); nothing was sent. */
  public static final class DestinationDenied extends EgressException {
    private static final long serialVersionUID = 1L;
    private final transient dev.agentwarden.core.policy.Decision decision;

    DestinationDenied(String message, dev.agentwarden.core.policy.Decision decision) {
      super("egress_denied", message);
      this.decision = decision;
    }

    /** The denial, to audit and explain. */
    public dev.agentwarden.core.policy.Decision decision() {
      return decision;
    }
  }

  /** The request itself is malformed: a header with CR/LF, a header egress owns, a bad method. */
  public static final class InvalidRequest extends EgressException {
    private static final long serialVersionUID = 1L;

    InvalidRequest(String message) {
      super("egress_invalid_request", message);
    }
  }

  /** Connect, read or total time ran out. */
  public static final class Timeout extends EgressException {
    private static final long serialVersionUID = 1L;
    private final String phase;

    Timeout(String phase, String message) {
      super("egress_timeout", message);
      this.phase = phase;
    }

    /** {@code connect}, {@code read} or {@code total}. */
    public String phase() {
      return phase;
    }
  }

  /** The response body (or its headers) passed the configured cap; the connection was dropped. */
  public static final class ResponseTooLarge extends EgressException {
    private static final long serialVersionUID = 1L;

    ResponseTooLarge(String message) {
      super("egress_response_too_large", message);
    }
  }

  /** More redirects than allowed. */
  public static final class TooManyRedirects extends EgressException {
    private static final long serialVersionUID = 1L;

    TooManyRedirects(String message) {
      super("egress_too_many_redirects", message);
    }
  }

  /** The TLS handshake failed: untrusted certificate, wrong host name, protocol error. */
  public static final class TlsFailure extends EgressException {
    private static final long serialVersionUID = 1L;

    TlsFailure(String message, Throwable cause) {
      super("egress_tls_failed", message, cause);
    }
  }

  /** The connection could not be opened or broke. */
  public static final class ConnectFailure extends EgressException {
    private static final long serialVersionUID = 1L;

    ConnectFailure(String message, Throwable cause) {
      super("egress_connect_failed", message, cause);
    }
  }

  /** The upstream answered something that is not well-formed HTTP/1.1. */
  public static final class BadResponse extends EgressException {
    private static final long serialVersionUID = 1L;

    BadResponse(String message) {
      super("egress_bad_response", message);
    }
  }
}
