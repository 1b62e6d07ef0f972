package dev.agentwarden.core.scan.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeywordAutomatonTest {
  @Test
  void findsOverlappingKeywordsCaseInsensitivelyInOnePass() {
    KeywordAutomaton a = new KeywordAutomaton(List.of("he", "she", "his", "hers"));
    List<String> hits = new ArrayList<>();
    a.scan("uSHErs", (k, end) -> hits.add(k + "@" + end));
    assertThat(hits).containsExactlyInAnyOrder("1@4", "0@4", "3@6");
  }

  @Test
  void nonAsciiCharsResetMatching() {
    KeywordAutomaton a = new KeywordAutomaton(List.of("ab"));
    List<Integer> hits = new ArrayList<>();
    a.scan("a\u00e9b ab", (k, end) -> hits.add(end));
    assertThat(hits).containsExactly(6);
  }
}
