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

  @Test
  void hitEndsAreStringPositionsAlsoAfterCharsBeyondLatin1() {
    KeywordAutomaton a = new KeywordAutomaton(List.of("key"));
    List<Integer> hits = new ArrayList<>();
    // U+00E9 is Latin-1, U+20AC and the surrogate pair are not: the scan copies the string to
    // bytes and must keep every position (a pair becomes one byte in that copy).
    a.scan("\u00e9\u20ac\uD83D\uDD11 key=1 KEY", (k, end) -> hits.add(end));
    assertThat(hits).containsExactly(8, 14);
    hits.clear();
    a.scan("\u00e9\u20ac key=1 KEY", (k, end) -> hits.add(end));
    assertThat(hits).containsExactly(6, 12);
  }

  @Test
  void aKeywordHoldingAQuestionMarkIsNotMatchedByCharsBeyondLatin1() {
    // The Latin-1 copy writes '?' for chars beyond Latin-1; with '?' in a keyword the scan reads
    // the chars themselves.
    KeywordAutomaton a = new KeywordAutomaton(List.of("x?"));
    List<Integer> hits = new ArrayList<>();
    a.scan("x\u20ac x?", (k, end) -> hits.add(end));
    assertThat(hits).containsExactly(5);
  }

  @Test
  void everyOccurrenceIsReportedWithAcceptingStatesRenumbered() {
    KeywordAutomaton a = new KeywordAutomaton(List.of("ab", "abc", "bc", "c"));
    List<String> hits = new ArrayList<>();
    a.scan("abcabc", (k, end) -> hits.add(k + "@" + end));
    assertThat(hits).containsExactlyInAnyOrder("0@2", "1@3", "2@3", "3@3", "0@5", "1@6", "2@6", "3@6");
  }
}
