package dev.agentwarden.core.json;

import dev.agentwarden.core.CoreException;

/**
 * A JSON value that has no RFC 8785 canonical form: malformed text, a duplicate member name, a
 * lone surrogate, a non-finite number, or an integer that an IEEE 754 double cannot hold exactly.
 */
public final class CanonicalJsonException extends CoreException {
  private static final long serialVersionUID = 1L;

  CanonicalJsonException(String message) {
    super("invalid_canonical_json", message);
  }

  CanonicalJsonException(String message, Throwable cause) {
    super("invalid_canonical_json", message, cause);
  }
}
