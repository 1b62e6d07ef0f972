package dev.agentwarden.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The ignore rules of one directory, read from its {@code .gitignore} and {@code .wardenignore}
 * (same syntax; the second lists files the secret scan must skip, such as test fixtures full of
 * fake keys). Supports comments, negation, directory-only and anchored patterns, {@code *},
 * {@code **}, {@code ?} and character classes.
 */
final class IgnoreRules {
  private record Rule(Pattern pattern, boolean negated, boolean directoryOnly) {}

  private final Path base;
  private final List<Rule> rules;

  private IgnoreRules(Path base, List<Rule> rules) {
    this.base = base;
    this.rules = rules;
  }

  static IgnoreRules read(Path directory) throws IOException {
    List<Rule> rules = new ArrayList<>();
    for (String name : List.of(".gitignore", ".wardenignore")) {
      Path file = directory.resolve(name);
      if (Files.isRegularFile(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          parse(line).ifPresent(rules::add);
        }
      }
    }
    return new IgnoreRules(directory, List.copyOf(rules));
  }

  boolean isEmpty() {
    return rules.isEmpty();
  }

  /** Whether {@code path} (below this rule set's directory) is ignored; null when undecided. */
  @Nullable Boolean decide(Path path, boolean directory) {
    String rel = base.relativize(path).toString().replace('\\', '/');
    Boolean result = null;
    for (Rule rule : rules) {
      if (rule.directoryOnly() && !directory) {
        continue;
      }
      if (rule.pattern().matcher(rel).matches()) {
        result = !rule.negated();
      }
    }
    return result;
  }

  private static java.util.Optional<Rule> parse(String raw) {
    String line = raw.stripTrailing();
    if (line.isEmpty() || line.startsWith("#")) {
      return java.util.Optional.empty();
    }
    boolean negated = line.startsWith("!");
    if (negated) {
      line = line.substring(1);
    }
    if (line.startsWith("\\")) {
      line = line.substring(1);
    }
    boolean directoryOnly = line.endsWith("/");
    if (directoryOnly) {
      line = line.substring(0, line.length() - 1);
    }
    boolean anchored = line.startsWith("/") || line.substring(0, Math.max(0, line.length() - 1)).contains("/");
    if (line.startsWith("/")) {
      line = line.substring(1);
    }
    if (line.isEmpty()) {
      return java.util.Optional.empty();
    }
    String regex = (anchored ? "" : "(?:.*/)?") + glob(line);
    return java.util.Optional.of(new Rule(Pattern.compile(regex), negated, directoryOnly));
  }

  private static String glob(String glob) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          i++;
          if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
            i++;
            sb.append("(?:.*/)?");
          } else {
            sb.append(".*");
          }
        } else {
          sb.append("[^/]*");
        }
      } else if (c == '?') {
        sb.append("[^/]");
      } else if (c == '[') {
        int close = glob.indexOf(']', i + 1);
        if (close < 0) {
          sb.append("\\[");
        } else {
          String set = glob.substring(i + 1, close).replace("\\", "\\\\");
          if (set.startsWith("!")) {
            set = "^" + set.substring(1);
          }
          sb.append('[').append(set).append(']');
          i = close;
        }
      } else if (c == '\\' && i + 1 < glob.length()) {
        sb.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
      } else {
        sb.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return sb.toString();
  }
}
