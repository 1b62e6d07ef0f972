package dev.agentwarden.core.scan.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import org.jspecify.annotations.Nullable;

/** The tests a candidate secret must pass beyond its pattern: entropy, checksums, placeholders. */
final class CandidateChecks {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  /**
   * Words that documentation, templates and tests use where a real value would go. A candidate
   * containing one is an example, not a leak.
   */
  private static final List<String> PLACEHOLDER_WORDS =
      List.of(
          "example", "xxxxx", "placeholder", "your_", "your-", "yourkey", "yourtoken", "yourpass",
          "changeme", "change_me", "redacted", "dummy", "sample", "insert", "replace_me",
          "****", "....", "…", "${", "{{", "%s", "%(", "foobar", "lorem",
          "notreal", "not_real", "fake_", "_fake", "1234567890abcdefgh",
          "secret_here", "key_here", "token_here", "here_", "changeit", "not-secret", "not_secret",
          "notsecret", "not-a-secret", "hunter2", "abc123", "fake-", "-fake");

  /** A slot to fill in: {@code <your-key>}, {@code [Server's public key]}, or a value that opens one. */
  private static final java.util.regex.Pattern SLOT =
      java.util.regex.Pattern.compile("^[<\\[].*|.*<[^<>]{0,40}>.*|.*\\[[A-Za-z _'.-]{2,40}\\].*", java.util.regex.Pattern.DOTALL);

  private CandidateChecks() {}

  /** Shannon entropy of the chars of {@code s}, in bits per char. */
  static double entropy(CharSequence s) {
    int n = s.length();
    if (n == 0) {
      return 0;
    }
    int[] counts = new int[128];
    java.util.Map<Character, Integer> other = null;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 128) {
        counts[c]++;
      } else {
        if (other == null) {
          other = new java.util.HashMap<>();
        }
        other.merge(c, 1, Integer::sum);
      }
    }
    double h = 0;
    for (int c : counts) {
      if (c > 0) {
        double p = (double) c / n;
        h -= p * Math.log(p);
      }
    }
    if (other != null) {
      for (int c : other.values()) {
        double p = (double) c / n;
        h -= p * Math.log(p);
      }
    }
    return h / Math.log(2);
  }

  /** Values people write where a password goes when they do not mean a real one. */
  private static final java.util.Set<String> STAND_INS =
      java.util.Set.of(
          "password", "pass", "passwd", "pwd", "secret", "token", "apikey", "api_key", "key", "user",
          "username", "test", "testing", "xxx", "yyy", "foo", "bar", "none", "null", "empty", "value",
          "mypassword", "yourpassword", "p@ssword", "p@ssw0rd", "admin:admin");

  static boolean looksLikePlaceholder(String secret) {
    return looksLikePlaceholder(secret, true);
  }

  /**
   * Whether {@code secret} is an example rather than a value: a placeholder word or template
   * marker, a value mostly made of one repeated char, or (when {@code standIns}) a word people
   * write where a password goes ({@code password}, {@code secret}).
   */
  static boolean looksLikePlaceholder(String secret, boolean standIns) {
    String lower = secret.toLowerCase(Locale.ROOT);
    // user:password pairs are judged by their password part.
    int colon = lower.lastIndexOf(':');
    String last = colon >= 0 && colon < lower.length() - 1 ? lower.substring(colon + 1) : lower;
    if (standIns && (isStandIn(lower) || isStandIn(last))) {
      return true;
    }
    for (String word : PLACEHOLDER_WORDS) {
      if (lower.contains(word)) {
        return true;
      }
    }
    if (SLOT.matcher(lower).matches()) {
      return true;
    }
    // A value that is an environment or template reference is a pointer to a secret.
    return lower.startsWith("$") || lower.startsWith("%") || lower.startsWith("@")
        || longestRun(lower) * 2 > lower.length() || ascends(lower, ALPHABET_RUN);
  }

  /**
   * Hex digits written in both cases ({@code acdeFf05b1...}): neither a hex encoding (one case
   * throughout) nor a random base62 token (which would practically always hold letters past
   * {@code f}: a 16-char one stays within hex letters with chance below 10^-7). Typed, not
   * generated. Only values of 16 chars or more with letters of both cases count.
   */
  static boolean isMixedCaseHex(String s) {
    if (s.length() < 16) {
      return false;
    }
    int upper = 0;
    int lower = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'a' && c <= 'f') {
        lower++;
      } else if (c >= 'A' && c <= 'F') {
        upper++;
      } else if (c < '0' || c > '9') {
        return false;
      }
    }
    return upper >= 1 && lower >= 1;
  }

  /**
   * A run of this many chars in alphabet or digit order ({@code abcdefghijklmnopqrst...}) is
   * most of an alphabet typed out: filler, whatever surrounds it. Shorter runs are not enough,
   * since hand-edited copies of real keys (a test fixture that overwrites part of a token with
   * {@code ABCDEFGHIJ}) still carry the rest of the key.
   */
  private static final int ALPHABET_RUN = 20;

  private static boolean isStandIn(String lower) {
    return STAND_INS.contains(lower);
  }

  /**
   * Whether {@code s} holds {@code length} chars in a row that each follow the previous one in
   * ASCII ({@code abcdefg}, {@code 1234567}), the way people type example values, also when
   * letters and digits alternate ({@code a1b2c3d4e5f6g7}: its letters alone ascend).
   */
  static boolean hasAscendingRun(String s, int length) {
    StringBuilder letters = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      if (Character.isLetter(s.charAt(i))) {
        letters.append(s.charAt(i));
      }
    }
    return ascends(s, length) || ascends(letters, length);
  }

  private static boolean ascends(CharSequence s, int length) {
    int run = 1;
    for (int i = 1; i < s.length(); i++) {
      char prev = s.charAt(i - 1);
      char c = s.charAt(i);
      run = c == prev + 1 && Character.isLetterOrDigit(c) && Character.isLetterOrDigit(prev) ? run + 1 : 1;
      if (run >= length) {
        return true;
      }
    }
    return false;
  }

  private static final java.util.regex.Pattern UUID =
      java.util.regex.Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-([0-9a-fA-F])[0-9a-fA-F]{3}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /**
   * A UUID of any version but 4 (RFC 9562): versions 1, 6 and 7 are a timestamp and a node or
   * counter, 3 and 5 a hash of a name. Ids, not secrets; random tokens that are UUIDs are v4.
   */
  static boolean isNonRandomUuid(String s) {
    java.util.regex.Matcher m = UUID.matcher(s);
    return m.matches() && m.group(1).charAt(0) != '4';
  }

  /**
   * The entropy a candidate must reach: the rule's floor, except that a hex string can reach at
   * most 4 bits per char, so it needs only 70 % of that (a random 16-char hex token scores about
   * 3.0, a 40-char one about 3.8).
   */
  static double entropyFloor(String secret, double ruleFloor) {
    for (int i = 0; i < secret.length(); i++) {
      if (Character.digit(secret.charAt(i), 16) < 0) {
        return ruleFloor;
      }
    }
    return Math.min(ruleFloor, 0.7 * 4);
  }

  private static int longestRun(String s) {
    int best = 0;
    int run = 0;
    for (int i = 0; i < s.length(); i++) {
      run = i > 0 && s.charAt(i) == s.charAt(i - 1) ? run + 1 : 1;
      best = Math.max(best, run);
    }
    return best;
  }

  /**
   * A namespaced name such as {@code agentwarden.vault.secret.v1} or {@code my-app-token}:
   * lower-case words joined by dots, dashes or underscores. Labels, not passwords.
   */
  static boolean looksLikeIdentifier(String s) {
    return s.startsWith("/") || s.contains("://") || IDENTIFIER.matcher(s).matches();
  }

  private static final java.util.regex.Pattern IDENTIFIER =
      java.util.regex.Pattern.compile(
          "[#/]?[A-Za-z]{2,}(?:[._/#-](?:[A-Za-z]{2,}[0-9]?|v?[0-9]{1,3}))+:?|[A-Za-z]+:|arn:[\\w:/*-]+|/[\\w./-]+");

  static boolean hasLetterAndDigit(String s) {
    boolean letter = false;
    boolean digit = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      letter |= Character.isLetter(c);
      digit |= Character.isDigit(c);
    }
    return letter && digit;
  }

  /**
   * GitHub's (and npm's) token checksum: the last six chars are the CRC32 of the 30 random chars
   * before them, in base62, left-padded with zeros.
   */
  static boolean crc32Valid(String token) {
    int underscore = token.lastIndexOf('_');
    String body = token.substring(underscore + 1);
    if (body.length() != 36) {
      return false;
    }
    CRC32 crc = new CRC32();
    crc.update(body.substring(0, 30).getBytes(StandardCharsets.US_ASCII));
    return base62(crc.getValue(), 6).equals(body.substring(30));
  }

  static String base62(long value, int width) {
    StringBuilder sb = new StringBuilder();
    long v = value;
    while (v > 0) {
      sb.append(BASE62.charAt((int) (v % 62)));
      v /= 62;
    }
    while (sb.length() < width) {
      sb.append('0');
    }
    return sb.reverse().toString();
  }

  /**
   * A JWT: its header decodes to a JSON object that names {@code alg} or {@code typ}, and its
   * payload to a JSON object. The header is read as text (braces intact, a name present), not
   * parsed, so a token with one mangled header byte (test fixtures, copies) still counts; a
   * truncated one does not. The payload must parse. Checked without
   * exceptions on the common paths, since this runs on every JWT-shaped string.
   */
  static boolean jwtValid(String token) {
    int dot = token.indexOf('.');
    if (dot < 0) {
      return false;
    }
    int next = token.indexOf('.', dot + 1);
    String header = base64Text(token.substring(0, dot));
    String payload = base64Text(token.substring(dot + 1, next < 0 ? token.length() : next));
    if (header == null || payload == null || !header.startsWith("{") || !header.endsWith("}")
        || !(header.contains("\"alg\"") || header.contains("\"typ\""))) {
      return false;
    }
    String body = payload.strip();
    if (!body.startsWith("{") || !body.endsWith("}")) {
      return false;
    }
    try {
      return JSON.readTree(body).isObject();
    } catch (JsonProcessingException e) {
      return false;
    }
  }

  /** The UTF-8 text of base64url (or base64) {@code part}, or null when it is not base64. */
  private static @Nullable String base64Text(String part) {
    String s = part.replace('+', '-').replace('/', '_');
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '=') {
      end--;
    }
    if (end % 4 == 1) {
      return null;
    }
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
        return null;
      }
    }
    return new String(Base64.getUrlDecoder().decode(s.substring(0, end)), StandardCharsets.UTF_8);
  }

}
