package dev.agentwarden.core.scan.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Aho-Corasick automaton over ASCII keywords, matched case-insensitively in one pass. Shared by
 * the secret and injection scanners (internal: not part of the scan API).
 *
 * <p>The goto function is precomputed into a dense table (a DFA), so scanning costs one array
 * read per char whatever the number of keywords. Chars outside ASCII map to symbol 0, which no
 * keyword contains, so they always lead back towards the root.
 */
public final class KeywordAutomaton {
  private static final int ALPHABET = 128;

  /** Receives keyword hits; {@code end} is one past the last char of the keyword. */
  public interface HitSink {
    void hit(int keyword, int end);
  }

  private final int[] delta;
  private final int[][] outputs;
  private final int[] keywordLengths;

  public KeywordAutomaton(List<String> keywords) {
    keywordLengths = new int[keywords.size()];
    List<int[]> gotoRows = new ArrayList<>();
    List<List<Integer>> out = new ArrayList<>();
    gotoRows.add(newRow());
    out.add(new ArrayList<>());
    for (int k = 0; k < keywords.size(); k++) {
      String word = keywords.get(k);
      if (word.isEmpty()) {
        throw new IllegalArgumentException("empty keyword");
      }
      keywordLengths[k] = word.length();
      int state = 0;
      for (int i = 0; i < word.length(); i++) {
        int c = symbol(word.charAt(i));
        if (c == 0) {
          throw new IllegalArgumentException("keyword must be printable ASCII: " + word);
        }
        int next = gotoRows.get(state)[c];
        if (next < 0) {
          next = gotoRows.size();
          gotoRows.add(newRow());
          out.add(new ArrayList<>());
          gotoRows.get(state)[c] = next;
        }
        state = next;
      }
      out.get(state).add(k);
    }
    int states = gotoRows.size();
    delta = new int[states * ALPHABET];
    int[] fail = new int[states];
    int[] queue = new int[states];
    int head = 0;
    int tail = 0;
    for (int c = 0; c < ALPHABET; c++) {
      int next = gotoRows.get(0)[c];
      if (next < 0) {
        delta[c] = 0;
      } else {
        delta[c] = next;
        fail[next] = 0;
        queue[tail++] = next;
      }
    }
    while (head < tail) {
      int s = queue[head++];
      out.get(s).addAll(out.get(fail[s]));
      for (int c = 0; c < ALPHABET; c++) {
        int next = gotoRows.get(s)[c];
        if (next < 0) {
          delta[s * ALPHABET + c] = delta[fail[s] * ALPHABET + c];
        } else {
          delta[s * ALPHABET + c] = next;
          fail[next] = delta[fail[s] * ALPHABET + c];
          queue[tail++] = next;
        }
      }
    }
    outputs = new int[states][];
    for (int s = 0; s < states; s++) {
      outputs[s] = out.get(s).stream().mapToInt(Integer::intValue).distinct().toArray();
    }
  }

  private static int[] newRow() {
    int[] row = new int[ALPHABET];
    Arrays.fill(row, -1);
    return row;
  }

  private static int symbol(char c) {
    if (c >= ALPHABET) {
      return 0;
    }
    if (c >= 'A' && c <= 'Z') {
      return c + ('a' - 'A');
    }
    return c;
  }

  public int keywordLength(int keyword) {
    return keywordLengths[keyword];
  }

  public void scan(CharSequence text, HitSink sink) {
    int state = 0;
    int[] d = delta;
    int[][] o = outputs;
    for (int i = 0, n = text.length(); i < n; i++) {
      state = d[state * ALPHABET + symbol(text.charAt(i))];
      int[] hits = o[state];
      if (hits.length != 0) {
        for (int k : hits) {
          sink.hit(k, i + 1);
        }
      }
    }
  }
}
