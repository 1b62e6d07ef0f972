package dev.agentwarden.core.trust;

/** A trust value out of range or an unknown name; the message names the bad value. */
public final class TrustException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrustException(String message) {
    super(message);
  }
}
