package dev.agentwarden.store;

/** A write collided with an existing row under a unique constraint. */
public final class ConflictException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final String constraint;

  ConflictException(String constraint, Throwable cause) {
    super("conflict", "unique constraint " + constraint + " violated", cause);
    this.constraint = constraint;
  }

  /** The name of the violated constraint, e.g. {@code tenants_name_key}. */
  public String constraint() {
    return constraint;
  }
}
