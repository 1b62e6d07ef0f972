package dev.agentwarden.core.policy.files;

import dev.agentwarden.core.policy.PolicyException;
import java.util.regex.Pattern;

/**
 * A glob over normalised workspace-relative paths: {@code *} and {@code ?} stay within one path
 * segment, {@code **} spans segments ({@code src/**} matches {@code src} and everything below it;
 * {@code **}{@code /x} matches {@code x} at any depth).
 */
record PathGlob(String glob, Pattern regex) {

  static PathGlob compile(String glob, String field) {
    if (glob == null || glob.isBlank()) {
      throw new PolicyException(field + ": glob must not be blank");
    }
    if (glob.startsWith("/") || glob.contains("\\") || glob.contains("\u0000")) {
      throw new PolicyException(field + ": glob '" + glob + "' must be relative to the workspace root, with '/' separators");
    }
    for (String segment : glob.split("/", -1)) {
      if (segment.equals("..") || segment.equals(".")) {
        throw new PolicyException(field + ": glob '" + glob + "' must not contain '.' or '..' segments");
      }
    }
    StringBuilder re = new StringBuilder();
    int i = 0;
    while (i < glob.length()) {
      char c = glob.charAt(i);
      if (glob.startsWith("**/", i)) {
        re.append("(?:.*/)?");
        i += 3;
      } else if (glob.startsWith("/**", i) && i + 3 == glob.length()) {
        re.append("(?:/.*)?");
        i += 3;
      } else if (glob.startsWith("**", i)) {
        re.append(".*");
        i += 2;
      } else if (c == '*') {
        re.append("[^/]*");
        i++;
      } else if (c == '?') {
        re.append("[^/]");
        i++;
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
        i++;
      }
    }
    return new PathGlob(glob, Pattern.compile(re.toString(), Pattern.DOTALL));
  }

  boolean matches(String normalisedPath) {
    return regex.matcher(normalisedPath).matches();
  }
}
