package dev.agentwarden.core.approval;

import dev.agentwarden.core.CoreException;

/**
 * A refused approval step: a hash that was not echoed, a self-approval, a second vote by the
 * same approver, a decision or an execution after expiry, a replay, or a swapped payload. The
 * {@link #code()} is stable and the message is safe to show the caller.
 */
public final class ApprovalException extends CoreException {
  private static final long serialVersionUID = 1L;

  public ApprovalException(String code, String message) {
    super(code, message);
  }
}
