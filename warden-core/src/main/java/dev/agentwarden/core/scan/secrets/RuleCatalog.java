package dev.agentwarden.core.scan.secrets;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the bundled rule table {@code secret-rules.txt}.
 *
 * <p>One rule per line: {@code id confidence keywords min-entropy flags regex}, separated by
 * single spaces up to the regex, which is the rest of the line. Keywords and flags are comma
 * separated, {@code -} means none; a keyword with an upper-case letter must match exactly, the
 * others match in any case. Lines starting with {@code #} are comments.
 */
final class RuleCatalog {
  static final String RESOURCE = "secret-rules.txt";

  private RuleCatalog() {}

  static List<SecretRule> bundled() {
    try (InputStream in = RuleCatalog.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("secret rule table " + RESOURCE + " missing from classpath");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      List<String> lines = reader.lines().toList();
      return parse(lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<SecretRule> parse(List<String> lines) {
    List<SecretRule> rules = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(" ", 6);
      if (f.length != 6) {
        throw new IllegalArgumentException("rule line " + (i + 1) + ": expected 6 fields");
      }
      if (!ids.add(f[0])) {
        throw new IllegalArgumentException("rule line " + (i + 1) + ": duplicate id " + f[0]);
      }
      List<String> keywords =
          Arrays.stream(f[2].split(",")).map(k -> k.replace("%20", " ")).toList();
      Set<SecretRule.Flag> flags = EnumSet.noneOf(SecretRule.Flag.class);
      if (!f[4].equals("-")) {
        for (String flag : f[4].split(",")) {
          flags.add(SecretRule.Flag.valueOf(flag.toUpperCase(Locale.ROOT)));
        }
      }
      Pattern pattern;
      try {
        pattern = Pattern.compile(f[5]);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("rule " + f[0] + ": bad regex: " + e.getDescription(), e);
      }
      rules.add(
          new SecretRule(
              f[0], Double.parseDouble(f[1]), keywords, Double.parseDouble(f[3]), flags, pattern));
    }
    return List.copyOf(rules);
  }
}
