package dev.agentwarden.core.vault;

import dev.agentwarden.core.CoreException;

/**
 * A vault rule refused something: a bad secret name, allow-list or header, or a destination a
 * secret may not go to. Messages name the rule and the offending non-secret input (a name, a
 * host), never a secret value.
 */
public final class VaultException extends CoreException {
  private static final long serialVersionUID = 1L;

  public VaultException(String code, String message) {
    super(code, message);
  }
}
