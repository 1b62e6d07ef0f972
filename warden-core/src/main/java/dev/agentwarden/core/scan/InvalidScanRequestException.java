package dev.agentwarden.core.scan;

import dev.agentwarden.core.CoreException;

/** A scan was asked for with a bad parameter (unknown kind, unknown source). */
public final class InvalidScanRequestException extends CoreException {
  private static final long serialVersionUID = 1L;

  public InvalidScanRequestException(String message) {
    super("invalid_scan_request", message);
  }
}
