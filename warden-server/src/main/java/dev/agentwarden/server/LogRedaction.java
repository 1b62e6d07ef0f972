package dev.agentwarden.server;

import dev.agentwarden.core.scan.secrets.SecretScanner;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The last line of defence before a log line is written: every credential the secrets scanner
 * knows is redacted, and anything else that looks like one of our keys, a bearer token or a
 * credential assignment is masked, whatever field it arrived in.
 */
public final class LogRedaction {
  /**
   * Each pattern with the text that any match of it must contain (lower case where the pattern
   * ignores case): a line without that text skips the pattern, so a clean line costs a few
   * substring searches instead of a regex pass per pattern.
   */
  private record Masking(Pattern pattern, String replacement, boolean ignoreCase, List<String> anyOf) {}

  private static final List<Masking> MASKINGS = List.of(
      new Masking(Pattern.compile("wdn_[A-Za-z0-9_-]{8,}"), "[REDACTED]", false, List.of("wdn_")),
      new Masking(Pattern.compile("(?i)bearer\\s+[A-Za-z0-9._~+/=-]{8,}"), "[REDACTED]", true, List.of("bearer")),
      // The name and separator are kept, the value is masked (no look-behind: that tried every
      // start position of every name at every character of the line).
      new Masking(Pattern.compile(
          "(?i)((?:api[_-]?key|secret|password|passwd|token|authorization)[\"']?\\s{0,3}[:=]\\s{0,3}[\"']?)[^\\s\"'&,;]{4,}"),
          "$1[REDACTED]", true, List.of("api", "secret", "passw", "token", "authorization")),
      new Masking(Pattern.compile("\\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}"), "[REDACTED]", false, List.of("sk-", "pk-", "rk-")),
      new Masking(Pattern.compile("\\bAKIA[0-9A-Z]{16}\\b"), "[REDACTED]", false, List.of("AKIA")),
      new Masking(Pattern.compile("\\bgh[pousr]_[A-Za-z0-9]{30,}"), "[REDACTED]", false, List.of("gh")),
      new Masking(Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)"),
          "[REDACTED]", false, List.of("-----BEGIN")));

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
    String lower = text.toLowerCase(Locale.ROOT);
    for (Masking m : MASKINGS) {
      String haystack = m.ignoreCase() ? lower : out;
      if (m.anyOf().stream().anyMatch(haystack::contains)) {
        out = m.pattern().matcher(out).replaceAll(m.replacement());
        lower = out.toLowerCase(Locale.ROOT);
      }
    }
    return out;
  }
}
