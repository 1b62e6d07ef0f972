package dev.agentwarden.core.scan.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every secret rule against its own positive and negative examples
 * ({@code secret-rule-examples.tsv}: {@code rule-id TAB +|- TAB json-string}). The rule runs
 * alone, so an example proves the rule itself, not a neighbour.
 */
class SecretRuleExamplesTest {
  private static final Map<String, SecretRule> RULES = new HashMap<>();

  static {
    for (SecretRule r : RuleCatalog.bundled()) {
      RULES.put(r.id(), r);
    }
  }

  record Example(String rule, boolean positive, String text) {}

  static List<Example> examples() throws IOException {
    List<Example> out = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (InputStream in = SecretRuleExamplesTest.class.getResourceAsStream("secret-rule-examples.tsv")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t", 3);
        out.add(new Example(f[0], f[1].equals("+"), json.readValue(f[2], String.class)));
      }
    }
    return out;
  }

  static Stream<Arguments> cases() throws IOException {
    return examples().stream().map(e -> Arguments.of(e.rule(), e.positive() ? "positive" : "negative", e.text()));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void ruleMatchesItsPositiveAndNotItsNegative(String rule, String kind, String text) {
    assertThat(RULES).containsKey(rule);
    SecretScanner alone = new SecretScanner(List.of(RULES.get(rule)));
    if (kind.equals("positive")) {
      assertThat(alone.scan(text)).as("rule %s on %s", rule, text).isNotEmpty();
      assertThat(SecretScanner.standard().scan(text)).isNotEmpty();
      String redacted = SecretScanner.standard().redact(text);
      assertThat(SecretScanner.standard().redact(redacted)).isEqualTo(redacted);
    } else {
      assertThat(alone.scan(text)).as("rule %s on %s", rule, text).isEmpty();
    }
  }

  @Test
  void everyRuleHasAPositiveAndANegativeExample() throws IOException {
    Map<String, int[]> counts = new HashMap<>();
    for (Example e : examples()) {
      counts.computeIfAbsent(e.rule(), k -> new int[2])[e.positive() ? 0 : 1]++;
    }
    for (String id : RULES.keySet()) {
      assertThat(counts.get(id)).as("examples of %s", id).isNotNull();
      assertThat(counts.get(id)[0]).as("positives of %s", id).isPositive();
      assertThat(counts.get(id)[1]).as("negatives of %s", id).isPositive();
    }
  }
}
