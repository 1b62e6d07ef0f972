package dev.agentwarden.core.model;

import dev.agentwarden.core.CoreException;

/** A model call refused by one of the proxy's rules; the message is safe to show the agent. */
public final class ModelCallException extends CoreException {
  private static final long serialVersionUID = 1L;

  public ModelCallException(String code, String message) {
    super(code, message);
  }
}
