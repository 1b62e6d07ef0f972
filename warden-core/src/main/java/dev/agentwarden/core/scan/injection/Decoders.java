package dev.agentwarden.core.scan.injection;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decoding layers an attacker uses to slip instructions past filters. Each returns the decoded
 * texts it found (possibly none); the scanner applies them recursively up to a depth limit.
 */
final class Decoders {
  /** A decoded layer and the encoding it came from. */
  record Layer(String encoding, String text) {}

  private static final Pattern HEX = Pattern.compile("(?:(?:\\\\x|0x)?[0-9a-fA-F]{2}[\\s,:]?){12,}");
  private static final Pattern URL_ESCAPE = Pattern.compile("%[0-9a-fA-F]{2}");
  private static final Pattern HTML_ENTITY = Pattern.compile("&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});");
  private static final int MAX_LAYER_CHARS = 64 * 1024;

  private Decoders() {}

  static List<Layer> decode(String text) {
    List<Layer> out = new ArrayList<>();
    base64(text, out);
    hex(text, out);
    url(text, out);
    html(text, out);
    rot13(text, out);
    leet(text, out);
    return out;
  }

  private static boolean isBase64Char(char c) {
    return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
        || c == '_' || c == '-';
  }

  /** Which ASCII chars a class accepts (every class here is ASCII only): one array read a char. */
  private static boolean[] asciiClass(java.util.function.IntPredicate test) {
    boolean[] accepts = new boolean[128];
    for (char c = 0; c < 128; c++) {
      accepts[c] = test.test(c);
    }
    return accepts;
  }

  private static final boolean[] BASE64_CHARS = asciiClass(c -> isBase64Char((char) c));
  /** What a hex payload is written with: digits, escapes and separators. */
  private static final boolean[] HEX_RUN_CHARS = asciiClass(
      c -> Character.digit(c, 16) >= 0 || c == 'x' || c == '\\' || c == ' ' || c == ',' || c == ':');

  private static boolean accepts(boolean[] accepts, char c) {
    return c < 128 && accepts[c];
  }

  /** Runs of at least {@code min} chars of the class {@code accepts}, as [start, end) pairs. */
  private static List<int[]> runs(String text, int min, boolean[] accepts) {
    List<int[]> out = new ArrayList<>();
    int n = text.length();
    int i = 0;
    while (i < n) {
      if (!accepts(accepts, text.charAt(i))) {
        i++;
        continue;
      }
      int start = i;
      while (i < n && accepts(accepts, text.charAt(i))) {
        i++;
      }
      if (i - start >= min) {
        out.add(new int[] {start, i});
      }
    }
    return out;
  }

  private static void base64(String text, List<Layer> out) {
    StringBuilder decoded = new StringBuilder();
    for (int[] run : runs(text, 16, BASE64_CHARS)) {
      if (decoded.length() >= MAX_LAYER_CHARS) {
        break;
      }
      String token = text.substring(run[0], run[1]).replace('-', '+').replace('_', '/');
      String body = token.replace("=", "");
      if (body.length() % 4 == 1) {
        continue;
      }
      try {
        byte[] bytes = Base64.getDecoder().decode(pad(body));
        String s = new String(bytes, StandardCharsets.UTF_8);
        if (looksLikeText(s)) {
          decoded.append(s).append('\n');
        }
      } catch (IllegalArgumentException notBase64) {
        // Not base64 after all.
      }
    }
    if (!decoded.isEmpty()) {
      out.add(new Layer("base64", decoded.toString()));
    }
  }

  private static String pad(String body) {
    int rem = body.length() % 4;
    return rem == 0 ? body : body + "=".repeat(4 - rem);
  }

  private static void hex(String text, List<Layer> out) {
    // Cheap gate: a hex payload has a long run of hex digits, escapes or separators.
    if (runs(text, 24, HEX_RUN_CHARS).stream().noneMatch(r -> countDigits(text, r[0], r[1]) >= 16)) {
      return;
    }
    Matcher m = HEX.matcher(text);
    StringBuilder decoded = new StringBuilder();
    while (m.find() && decoded.length() < MAX_LAYER_CHARS) {
      String digits = m.group().replaceAll("\\\\x|0x|[\\s,:]", "");
      if (digits.length() % 2 != 0) {
        digits = digits.substring(0, digits.length() - 1);
      }
      byte[] bytes = new byte[digits.length() / 2];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
      }
      String s = new String(bytes, StandardCharsets.UTF_8);
      if (looksLikeText(s)) {
        decoded.append(s).append('\n');
      }
    }
    if (!decoded.isEmpty()) {
      out.add(new Layer("hex", decoded.toString()));
    }
  }

  private static int countDigits(String text, int from, int to) {
    int d = 0;
    for (int i = from; i < to; i++) {
      if (text.charAt(i) >= '0' && text.charAt(i) <= '9') {
        d++;
      }
    }
    return d;
  }

  private static void url(String text, List<Layer> out) {
    if (text.indexOf('%') < 0) {
      return;
    }
    Matcher m = URL_ESCAPE.matcher(text);
    int count = 0;
    while (m.find() && count < 3) {
      count++;
    }
    if (count < 3) {
      return;
    }
    try {
      String s = java.net.URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
      if (!s.equals(text)) {
        out.add(new Layer("url", s));
      }
    } catch (IllegalArgumentException malformed) {
      // A stray % that is not an escape: nothing to decode.
    }
  }

  private static void html(String text, List<Layer> out) {
    if (text.indexOf('&') < 0) {
      return;
    }
    Matcher m = HTML_ENTITY.matcher(text);
    StringBuilder sb = new StringBuilder();
    int at = 0;
    int count = 0;
    while (m.find()) {
      String e = m.group();
      String replacement;
      if (e.startsWith("&#x") || e.startsWith("&#X")) {
        replacement = codePoint(Integer.parseInt(e.substring(3, e.length() - 1), 16));
      } else if (e.startsWith("&#")) {
        replacement = codePoint(Integer.parseInt(e.substring(2, e.length() - 1)));
      } else {
        replacement = switch (e) {
          case "&lt;" -> "<";
          case "&gt;" -> ">";
          case "&amp;" -> "&";
          case "&quot;" -> "\"";
          case "&apos;" -> "'";
          case "&nbsp;" -> " ";
          default -> e;
        };
      }
      sb.append(text, at, m.start()).append(replacement);
      at = m.end();
      count++;
    }
    if (count >= 2) {
      sb.append(text, at, text.length());
      out.add(new Layer("html", sb.toString()));
    }
  }

  private static String codePoint(int cp) {
    return Character.isValidCodePoint(cp) ? new String(Character.toChars(cp)) : "";
  }

  /** rot13 of words an encoded instruction would contain; absent them, no rot13 layer is built. */
  private static final List<String> ROT13_HINTS =
      List.of("vtaber", "vafgehpgvba", "cebzcg", "flfgrz", "cerivbhf", "qvfertneq", "sbetrg", "erirny", "cnffjbeq", "frperg", "qryrgr", "rkrphgr");

  /** The hints in one case-insensitive pass, instead of lowering the text and searching it once per hint. */
  private static final dev.agentwarden.core.scan.internal.KeywordAutomaton ROT13_HINT_SCAN =
      new dev.agentwarden.core.scan.internal.KeywordAutomaton(ROT13_HINTS);

  private static void rot13(String text, List<Layer> out) {
    boolean[] hinted = {false};
    ROT13_HINT_SCAN.scan(text, (keyword, end) -> hinted[0] = true);
    if (!hinted[0]) {
      return;
    }
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 'a' && c <= 'z') {
        c = (char) ('a' + (c - 'a' + 13) % 26);
      } else if (c >= 'A' && c <= 'Z') {
        c = (char) ('A' + (c - 'A' + 13) % 26);
      }
      sb.append(c);
    }
    String s = sb.toString();
    // Only a rot13 layer that reads as an instruction is worth scanning; most text is not rot13.
    if (PatternCatalog.DECODED_TRIGGER.matcher(s).find()) {
      out.add(new Layer("rot13", s));
    }
  }

  private static void leet(String text, List<Layer> out) {
    // Most text has no two substitutions: count first, copy only when there is a layer.
    int substitutions = 0;
    for (int i = 0; i < text.length() && substitutions < 2; i++) {
      if (leetAt(text, i) != text.charAt(i)) {
        substitutions++;
      }
    }
    if (substitutions < 2) {
      return;
    }
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      sb.append(leetAt(text, i));
    }
    out.add(new Layer("leetspeak", sb.toString()));
  }

  /** The letter a leetspeak char inside a word stands for; any other char as it is. */
  private static char leetAt(String text, int i) {
    char c = text.charAt(i);
    char r = switch (c) {
      case '0' -> 'o';
      case '1', '!' -> 'i';
      case '3' -> 'e';
      case '4', '@' -> 'a';
      case '5', '$' -> 's';
      case '7', '+' -> 't';
      case '8' -> 'b';
      case '|' -> 'l';
      default -> c;
    };
    if (r == c) {
      return c;
    }
    boolean inWord = i > 0 && Character.isLetter(text.charAt(i - 1))
        || i + 1 < text.length() && Character.isLetter(text.charAt(i + 1));
    return inWord ? r : c;
  }

  /** Mostly printable, with letters and spaces: what an instruction looks like once decoded. */
  static boolean looksLikeText(String s) {
    if (s.length() < 8) {
      return false;
    }
    int printable = 0;
    int letters = 0;
    int spaces = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\uFFFD' || c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
        continue;
      }
      printable++;
      if (Character.isLetter(c)) {
        letters++;
      } else if (c == ' ') {
        spaces++;
      }
    }
    return printable >= 0.9 * s.length() && letters >= 0.5 * s.length() && spaces >= 1;
  }
}
