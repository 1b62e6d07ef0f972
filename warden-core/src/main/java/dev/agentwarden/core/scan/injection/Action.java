package dev.agentwarden.core.scan.injection;

import java.util.Locale;

/** What the gateway does with content, from least to most restrictive. */
public enum Action {
  /** Pass the content on as it is. */
  ALLOW,
  /** Pass it on, with the findings attached for the audit log and the caller. */
  ANNOTATE,
  /** Pass it on only wrapped as untrusted data, with a warning to the model. */
  QUARANTINE,
  /** Do not pass it on. */
  BLOCK;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
