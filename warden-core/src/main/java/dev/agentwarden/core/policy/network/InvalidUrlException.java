package dev.agentwarden.core.policy.network;

import dev.agentwarden.core.CoreException;

/**
 * A URL was refused by the strict parser. The message says which part was wrong; it quotes at
 * most the offending character or component, never the whole URL, because URLs carry tokens.
 */
public final class InvalidUrlException extends CoreException {
  private static final long serialVersionUID = 1L;

  InvalidUrlException(String message) {
    super("invalid_url", message);
  }
}
