package dev.agentwarden.core.policy.network;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * IPv4 host parsing as the WHATWG URL standard (and so browsers, curl and inet_aton) does it:
 * one to four parts, each decimal, octal (leading 0) or hex (0x); the last part fills the
 * remaining bytes. {@code 2130706433}, {@code 0177.0.0.1}, {@code 0x7f.1} and {@code 127.1} all
 * mean 127.0.0.1, so that is what they must be classified as.
 */
final class Ipv4Parser {
  private Ipv4Parser() {}

  /**
   * WHATWG "ends in a number": the last label (ignoring one trailing dot) is all digits or a
   * valid hex/octal/decimal IPv4 number. Such a host must parse as IPv4 or be rejected.
   */
  static boolean endsInANumber(String host) {
    List<String> parts = split(host);
    if (parts.get(parts.size() - 1).isEmpty()) {
      if (parts.size() == 1) {
        return false;
      }
      parts.remove(parts.size() - 1);
    }
    String last = parts.get(parts.size() - 1);
    if (!last.isEmpty() && last.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return true;
    }
    return parseNumber(last) != INVALID;
  }

  /** WHATWG IPv4 parser; empty when the host is not a valid IPv4 address in any accepted form. */
  static Optional<Integer> parseLenient(String host) {
    List<String> parts = split(host);
    if (parts.get(parts.size() - 1).isEmpty() && parts.size() > 1) {
      parts.remove(parts.size() - 1);
    }
    if (parts.size() > 4) {
      return Optional.empty();
    }
    long[] numbers = new long[parts.size()];
    for (int i = 0; i < parts.size(); i++) {
      long n = parseNumber(parts.get(i));
      if (n < 0) {
        return Optional.empty();
      }
      numbers[i] = n;
    }
    int n = numbers.length;
    for (int i = 0; i < n - 1; i++) {
      if (numbers[i] > 255) {
        return Optional.empty();
      }
    }
    if (numbers[n - 1] >= (1L << (8 * (5 - n)))) {
      return Optional.empty();
    }
    long ipv4 = numbers[n - 1];
    for (int i = 0; i < n - 1; i++) {
      ipv4 += numbers[i] << (8 * (3 - i));
    }
    return Optional.of((int) ipv4);
  }

  /** Strict dotted quad: four decimal parts 0-255, no leading zeros (for configuration). */
  static Optional<Integer> parseDottedQuad(String text) {
    List<String> parts = split(text);
    if (parts.size() != 4) {
      return Optional.empty();
    }
    int v = 0;
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        return Optional.empty();
      }
      int n = 0;
      for (int i = 0; i < p.length(); i++) {
        char c = p.charAt(i);
        if (c < '0' || c > '9') {
          return Optional.empty();
        }
        n = n * 10 + (c - '0');
      }
      if (n > 255) {
        return Optional.empty();
      }
      v = (v << 8) | n;
    }
    return Optional.of(v);
  }

  static final long INVALID = -1;
  static final long TOO_LARGE = -2;

  /**
   * One WHATWG IPv4 number; {@link #INVALID} when it is not a number, {@link #TOO_LARGE} when it
   * is a number larger than any IPv4 address (still "a number", so the host is rejected rather
   * than looked up as a name).
   */
  static long parseNumber(String part) {
    if (part.isEmpty()) {
      return INVALID;
    }
    int radix = 10;
    String digits = part;
    if (part.length() >= 2 && (part.startsWith("0x") || part.startsWith("0X"))) {
      radix = 16;
      digits = part.substring(2);
    } else if (part.length() >= 2 && part.charAt(0) == '0') {
      radix = 8;
      digits = part.substring(1);
    }
    if (digits.isEmpty()) {
      return 0;
    }
    long value = 0;
    for (int i = 0; i < digits.length(); i++) {
      int d = Character.digit(digits.charAt(i), radix);
      if (d < 0 || digits.charAt(i) > 'f') {
        return INVALID;
      }
      if (value <= 0xFFFF_FFFFL) {
        value = value * radix + d;
      }
    }
    // Keep scanning past an overflow so that a later bad digit still makes the part INVALID.
    return value > 0xFFFF_FFFFL ? TOO_LARGE : value;
  }

  private static List<String> split(String s) {
    List<String> parts = new ArrayList<>(4);
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '.') {
        parts.add(s.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(s.substring(start));
    return parts;
  }
}
