package dev.agentwarden.core.scan.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Aho-Corasick automaton over ASCII keywords, matched case-insensitively in one pass. Shared by
 * the secret and injection scanners (internal: not part of the scan API).
 *
 * <p>The goto function is precomputed into a dense table (a DFA), so scanning costs one table
 * read per char whatever the number of keywords. The alphabet is only the chars that occur in
 * some keyword (case folded); every other char, and every char outside ASCII, is symbol 0, which
 * no keyword contains, which keeps the table small. Each table entry is
 * the next state's row offset shifted left by one, with the low bit set when that state ends a
 * keyword, so the scan loop touches nothing but the text and the table until there is a hit.
 */
public final class KeywordAutomaton {
  /** Receives keyword hits; {@code end} is one past the last char of the keyword. */
  public interface HitSink {
    void hit(int keyword, int end);
  }

  /** Symbol of each ASCII char, 0 for chars in no keyword. */
  private final byte[] symbols = new byte[128];
  /** log2 of the row width (the alphabet size rounded up to a power of two). */
  private final int shift;
  private final int[] delta;
  private final int[][] outputs;
  private final int[] keywordLengths;

  public KeywordAutomaton(List<String> keywords) {
    keywordLengths = new int[keywords.size()];
    int alphabet = 1;
    for (String word : keywords) {
      for (int i = 0; i < word.length(); i++) {
        char c = fold(word.charAt(i));
        if (c >= 128 || c <= ' ' && c != ' ' || c == 127) {
          throw new IllegalArgumentException("keyword must be printable ASCII: " + word);
        }
        if (symbols[c] == 0) {
          symbols[c] = (byte) alphabet++;
        }
      }
    }
    for (char c = 'A'; c <= 'Z'; c++) {
      symbols[c] = symbols[c + ('a' - 'A')];
    }
    int width = Integer.highestOneBit(Math.max(1, alphabet - 1)) << 1;
    shift = Integer.numberOfTrailingZeros(width);
    List<int[]> gotoRows = new ArrayList<>();
    List<List<Integer>> out = new ArrayList<>();
    gotoRows.add(newRow(width));
    out.add(new ArrayList<>());
    for (int k = 0; k < keywords.size(); k++) {
      String word = keywords.get(k);
      if (word.isEmpty()) {
        throw new IllegalArgumentException("empty keyword");
      }
      keywordLengths[k] = word.length();
      int state = 0;
      for (int i = 0; i < word.length(); i++) {
        int c = symbols[word.charAt(i)];
        int next = gotoRows.get(state)[c];
        if (next < 0) {
          next = gotoRows.size();
          gotoRows.add(newRow(width));
          out.add(new ArrayList<>());
          gotoRows.get(state)[c] = next;
        }
        state = next;
      }
      out.get(state).add(k);
    }
    int states = gotoRows.size();
    int[] next = new int[states * width];
    int[] fail = new int[states];
    int[] queue = new int[states];
    int head = 0;
    int tail = 0;
    for (int c = 0; c < width; c++) {
      int to = gotoRows.get(0)[c];
      if (to < 0) {
        next[c] = 0;
      } else {
        next[c] = to;
        fail[to] = 0;
        queue[tail++] = to;
      }
    }
    while (head < tail) {
      int s = queue[head++];
      out.get(s).addAll(out.get(fail[s]));
      for (int c = 0; c < width; c++) {
        int to = gotoRows.get(s)[c];
        if (to < 0) {
          next[s * width + c] = next[fail[s] * width + c];
        } else {
          next[s * width + c] = to;
          fail[to] = next[fail[s] * width + c];
          queue[tail++] = to;
        }
      }
    }
    outputs = new int[states][];
    for (int s = 0; s < states; s++) {
      outputs[s] = out.get(s).stream().mapToInt(Integer::intValue).distinct().toArray();
    }
    delta = new int[states * width];
    for (int i = 0; i < delta.length; i++) {
      int to = next[i];
      delta[i] = (to << shift) << 1 | (outputs[to].length != 0 ? 1 : 0);
    }
  }

  private static int[] newRow(int width) {
    int[] row = new int[width];
    Arrays.fill(row, -1);
    return row;
  }

  private static char fold(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
  }

  public int keywordLength(int keyword) {
    return keywordLengths[keyword];
  }

  public void scan(CharSequence text, HitSink sink) {
    if (text instanceof String s) {
      scanString(s, sink);
      return;
    }
    int row = 0;
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      int v = delta[row + (c < 128 ? symbols[c] : 0)];
      row = v >>> 1;
      if ((v & 1) != 0) {
        report(row, i + 1, sink);
      }
    }
  }

  private void scanString(String text, HitSink sink) {
    int[] d = delta;
    byte[] sym = symbols;
    int row = 0;
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      int v = d[row + (c < 128 ? sym[c] : 0)];
      row = v >>> 1;
      if ((v & 1) != 0) {
        report(row, i + 1, sink);
      }
    }
  }

  private void report(int row, int end, HitSink sink) {
    for (int k : outputs[row >>> shift]) {
      sink.hit(k, end);
    }
  }
}
