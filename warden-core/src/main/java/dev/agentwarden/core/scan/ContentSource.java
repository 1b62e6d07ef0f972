package dev.agentwarden.core.scan;

import java.util.Locale;

/** Where a text came from, which decides how much it is trusted. */
public enum ContentSource {
  /** Typed by the authenticated user of the agent: trusted to ask, not to override policy. */
  USER,
  /** Returned by a tool or an MCP server: data, never instructions. */
  TOOL_OUTPUT,
  /** A fetched page or a retrieved document: data, never instructions. */
  RETRIEVED_DOCUMENT;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code user}, {@code tool_output} or {@code retrieved_document}. */
  public static ContentSource fromLabel(String label) {
    String l = label.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (ContentSource s : values()) {
      if (s.label().equals(l)) {
        return s;
      }
    }
    throw new InvalidScanRequestException(
        "unknown source '" + label + "'; allowed: user, tool_output, retrieved_document");
  }
}
