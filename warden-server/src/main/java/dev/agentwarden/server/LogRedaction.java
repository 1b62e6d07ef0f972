package dev.agentwarden.server;

import dev.agentwarden.core.scan.secrets.SecretScanner;
import java.util.regex.Pattern;

/**
 * The last line of defence before a log line is written: every credential the secrets scanner
 * knows is redacted, and anything else that looks like one of our keys, a bearer token or a
 * credential assignment is masked, whatever field it arrived in.
 */
public final class LogRedaction {
  private static final Pattern[] PATTERNS = {
    Pattern.compile("wdn_[A-Za-z0-9_-]{8,}"),
    Pattern.compile("(?i)bearer\\s+[A-Za-z0-9._~+/=-]{8,}"),
    Pattern.compile("(?i)(?<=(api[_-]?key|secret|password|passwd|token|authorization)[\"']?\\s{0,3}[:=]\\s{0,3}[\"']?)[^\\s\"'&,;]{4,}"),
    Pattern.compile("\\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}"),
    Pattern.compile("\\bAKIA[0-9A-Z]{16}\\b"),
    Pattern.compile("\\bgh[pousr]_[A-Za-z0-9]{30,}"),
    Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)"),
  };

  private LogRedaction() {}

  private static final SecretScanner SCANNER = SecretScanner.standard();

  /** Every rule of the secrets scanner, then the patterns below: for lines with free text. */
  public static String redact(String text) {
    return redactPatterns(SCANNER.redact(text));
  }

  /**
   * The patterns alone, for lines whose fields are all produced by the gateway (ids, route
   * templates, status codes): cheap enough for every request, still catching a key that slipped in.
   */
  public static String redactPatterns(String text) {
    String out = text;
    for (Pattern p : PATTERNS) {
      out = p.matcher(out).replaceAll("[REDACTED]");
    }
    return out;
  }
}
