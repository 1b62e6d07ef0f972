package dev.agentwarden.sandbox;

import dev.agentwarden.core.policy.Decision;

/**
 * A workspace read or write did not happen: the policy denied it, the path left the root (a
 * symlink on the way, a file swapped while opening), or the file is missing, too large or not a
 * regular file. {@link #decision()} is the denial to return and audit.
 */
public final class WorkspaceAccessException extends SandboxException {
  private static final long serialVersionUID = 1L;

  private final transient Decision decision;

  WorkspaceAccessException(Decision decision) {
    super(codeFor(decision), decision.reason());
    this.decision = decision;
  }

  WorkspaceAccessException(Decision decision, Throwable cause) {
    super(codeFor(decision), decision.reason(), cause);
    this.decision = decision;
  }

  public Decision decision() {
    return decision;
  }

  private static String codeFor(Decision decision) {
    return switch (decision.ruleId()) {
      case "filesystem.not_found" -> "file_not_found";
      case "filesystem.too_large" -> "file_too_large";
      case "filesystem.io_error" -> "file_io_error";
      default -> "file_access_denied";
    };
  }
}
