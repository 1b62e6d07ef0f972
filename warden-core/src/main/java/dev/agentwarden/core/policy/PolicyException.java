package dev.agentwarden.core.policy;

import dev.agentwarden.core.CoreException;

/**
 * A policy document, or an input to a policy check, is malformed: an unknown key, a bad CIDR,
 * an unparseable URL. The message names the offending value and what was expected; it never
 * contains a secret.
 */
public class PolicyException extends CoreException {
  private static final long serialVersionUID = 1L;

  /** The stable error code of every policy exception. */
  public static final String CODE = "invalid_policy";

  public PolicyException(String message) {
    super(CODE, message);
  }

  public PolicyException(String message, Throwable cause) {
    super(CODE, message, cause);
  }
}
