package dev.agentwarden.core.vault;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a brokered secret goes in the outbound request: header {@code header} with value
 * {@code prefix + secret}. Defaults to {@code Authorization: Bearer <secret>}.
 *
 * @param header an HTTP header name (RFC 9110 token), not one the HTTP client owns
 * @param prefix text put before the secret (printable ASCII, no CR/LF), often {@code "Bearer "}
 */
public record Injection(String header, String prefix) {
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
  private static final Pattern PREFIX = Pattern.compile("[\\x20-\\x7e]{0,64}");
  private static final Set<String> FORBIDDEN =
      Set.of("host", "content-length", "transfer-encoding", "connection", "upgrade", "te",
          "trailer", "keep-alive", "proxy-connection", "expect", "cookie", "set-cookie");

  /** {@code Authorization: Bearer <secret>}. Declared after the patterns it is checked with. */
  public static final Injection BEARER = new Injection("Authorization", "Bearer ");

  public Injection {
    if (header == null || !TOKEN.matcher(header).matches()) {
      throw new VaultException(
          "invalid_header", "header must be an HTTP header name of 1-64 token characters, got " + quote(header));
    }
    if (FORBIDDEN.contains(header.toLowerCase(Locale.ROOT))) {
      throw new VaultException("invalid_header", "header " + header + " cannot carry a secret");
    }
    if (prefix == null || !PREFIX.matcher(prefix).matches()) {
      throw new VaultException(
          "invalid_header", "header_prefix must be at most 64 printable ASCII characters");
    }
  }

  /**
   * The injection for a header name given by a client: {@code Authorization} (or none) gets the
   * {@code Bearer } prefix, any other header carries the bare secret, unless a prefix is given.
   */
  public static Injection forHeader(java.util.Optional<String> header, java.util.Optional<String> prefix) {
    String h = header.orElse("Authorization");
    String p = prefix.orElse(h.equalsIgnoreCase("authorization") ? "Bearer " : "");
    return new Injection(h, p);
  }

  private static String quote(String s) {
    return s == null ? "nothing" : "'" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "'";
  }
}
