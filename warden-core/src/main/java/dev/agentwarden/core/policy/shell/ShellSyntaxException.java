package dev.agentwarden.core.policy.shell;

import dev.agentwarden.core.CoreException;

/** The command is not shell syntax this parser fully understands; the policy denies it. */
final class ShellSyntaxException extends CoreException {
  private static final long serialVersionUID = 1L;

  ShellSyntaxException(String message, int offset) {
    super("shell_syntax", message + " at offset " + offset);
  }
}
