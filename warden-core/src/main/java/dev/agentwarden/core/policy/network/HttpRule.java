package dev.agentwarden.core.policy.network;

import dev.agentwarden.core.policy.PolicyException;
import java.util.Locale;

/**
 * An L7 rule such as {@code GET /repos/**}: a method (or {@code *}) and a path glob in which
 * {@code *} matches within one segment and {@code **} matches any number of segments (only as a
 * whole segment). Matching is on the normalised, still percent-encoded path; a path holding an
 * encoded slash or backslash never matches, since servers disagree on whether it splits segments.
 */
final class HttpRule {
  private final String text;
  private final String method;
  private final String[] glob;

  private HttpRule(String text, String method, String[] glob) {
    this.text = text;
    this.method = method;
    this.glob = glob;
  }

  static HttpRule parse(String text) {
    String[] parts = text.trim().split(" +");
    if (parts.length != 2) {
      throw new PolicyException("HTTP rule '" + text + "' must be 'METHOD /path/glob'");
    }
    String method = parts[0].toUpperCase(Locale.ROOT);
    if (!method.equals("*") && !method.matches("[A-Z]{1,16}")) {
      throw new PolicyException("HTTP rule '" + text + "' has a bad method");
    }
    String path = parts[1];
    if (!path.startsWith("/")) {
      throw new PolicyException("path of HTTP rule '" + text + "' must start with '/'");
    }
    String[] glob = path.substring(1).split("/", -1);
    int doubleStars = 0;
    for (String seg : glob) {
      if (seg.contains("**") && !seg.equals("**")) {
        throw new PolicyException("'**' must be a whole segment in HTTP rule '" + text + "'");
      }
      if (seg.equals("**") && ++doubleStars > 3) {
        // Each '**' multiplies the matching work; three are plenty for any real API.
        throw new PolicyException("HTTP rule '" + text + "' has more than three '**' segments");
      }
      if (seg.equals(".") || seg.equals("..")) {
        throw new PolicyException("HTTP rule '" + text + "' must not contain dot segments");
      }
    }
    return new HttpRule(text, method, glob);
  }

  boolean matches(String requestMethod, String path) {
    if (!method.equals("*") && !method.equals(requestMethod)) {
      return false;
    }
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.contains("%2f") || lower.contains("%5c")) {
      return false;
    }
    String[] segs = path.substring(1).split("/", -1);
    return match(glob, 0, segs, 0);
  }

  private static boolean match(String[] glob, int gi, String[] segs, int si) {
    if (gi == glob.length) {
      return si == segs.length;
    }
    if (glob[gi].equals("**")) {
      for (int k = si; k <= segs.length; k++) {
        if (match(glob, gi + 1, segs, k)) {
          return true;
        }
      }
      return false;
    }
    if (si == segs.length || !segmentMatches(glob[gi], segs[si])) {
      return false;
    }
    return match(glob, gi + 1, segs, si + 1);
  }

  private static boolean segmentMatches(String pattern, String seg) {
    // Classic wildcard matching with '*' inside one segment, iterative with backtracking.
    int p = 0;
    int s = 0;
    int star = -1;
    int mark = 0;
    while (s < seg.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        mark = s;
      } else if (p < pattern.length() && pattern.charAt(p) == seg.charAt(s)) {
        p++;
        s++;
      } else if (star >= 0) {
        p = star + 1;
        s = ++mark;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }

  @Override
  public String toString() {
    return text;
  }
}
