package dev.agentwarden.core.scan.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The scanner matches a rule only at the first char of one of its keywords (or, for BEHIND
 * rules, a little before it). A keyword that no match can begin with would silently disable the
 * rule wherever only that keyword occurs, so every keyword of every other rule must be a possible
 * beginning of a match: matching the keyword alone either succeeds or runs out of input.
 */
class RuleKeywordAnchorTest {

  @Test
  void everyKeywordCanBeginAMatchOfItsRule() {
    List<String> misplaced = new ArrayList<>();
    for (SecretRule rule : RuleCatalog.bundled()) {
      if (rule.has(SecretRule.Flag.BEHIND)) {
        continue;
      }
      Pattern p = Pattern.compile(withoutLeadingLookbehind(rule.pattern().pattern()), Pattern.CASE_INSENSITIVE);
      for (String keyword : rule.keywords()) {
        Matcher m = p.matcher(keyword);
        if (!m.lookingAt() && !m.hitEnd()) {
          misplaced.add(rule.id() + " / " + keyword);
        }
      }
    }
    assertThat(misplaced).isEmpty();
  }

  /** Drops inline flags' neighbour {@code (?<=...)}, which looks at text before the keyword. */
  private static String withoutLeadingLookbehind(String regex) {
    String flags = "";
    String rest = regex;
    while (rest.startsWith("(?") && rest.length() > 3 && Character.isLetter(rest.charAt(2))) {
      int close = rest.indexOf(')');
      flags += rest.substring(0, close + 1);
      rest = rest.substring(close + 1);
    }
    StringBuilder out = new StringBuilder(flags);
    int i = 0;
    while (i < rest.length()) {
      int at = rest.indexOf("(?<=", i);
      if (at < 0) {
        out.append(rest, i, rest.length());
        break;
      }
      out.append(rest, i, at);
      int depth = 0;
      int j = at;
      for (; j < rest.length(); j++) {
        char c = rest.charAt(j);
        if (c == '\\') {
          j++;
        } else if (c == '(') {
          depth++;
        } else if (c == ')' && --depth == 0) {
          break;
        }
      }
      i = j + 1;
    }
    return out.toString();
  }
}
