package dev.agentwarden.core.audit;

import dev.agentwarden.core.CoreException;

/** An audit value or operation was refused: a malformed event, key, proof or tree head. */
public class AuditException extends CoreException {
  private static final long serialVersionUID = 1L;

  public AuditException(String code, String message) {
    super(code, message);
  }

  public AuditException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
