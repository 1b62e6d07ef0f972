package dev.agentwarden.core.scan;

import java.util.Locale;

/** What a scanner looks for. */
public enum ScanKind {
  SECRETS,
  INJECTION,
  UNICODE;

  /** The lower-case name used on the command line and in JSON ({@code secrets}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a label such as {@code secrets}; rejects anything else with the allowed values. */
  public static ScanKind fromLabel(String label) {
    for (ScanKind k : values()) {
      if (k.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
        return k;
      }
    }
    throw new InvalidScanRequestException(
        "unknown scan kind '" + label + "'; allowed: secrets, injection, unicode");
  }
}
