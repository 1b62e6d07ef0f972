package dev.agentwarden.core.id;

import dev.agentwarden.core.CoreException;

/** A path or body carried something that is not a valid id. */
public final class InvalidIdException extends CoreException {
  private static final long serialVersionUID = 1L;

  public InvalidIdException(String message) {
    super("invalid_id", message);
  }
}
