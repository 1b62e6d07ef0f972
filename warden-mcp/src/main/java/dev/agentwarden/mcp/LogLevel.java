package dev.agentwarden.mcp;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The MCP log levels (RFC 5424 severities), least severe first, so {@code compareTo} orders them. */
enum LogLevel {
  DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL, ALERT, EMERGENCY;

  /** The level named {@code wire} exactly as the protocol spells it (lower case); empty for anything else. */
  static Optional<LogLevel> parse(String wire) {
    return Arrays.stream(values()).filter(l -> l.wire().equals(wire)).findFirst();
  }

  String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
