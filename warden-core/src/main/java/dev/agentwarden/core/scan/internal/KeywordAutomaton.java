package dev.agentwarden.core.scan.internal;

import java.nio.charset.StandardCharsets;
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
 * no keyword contains, which keeps the table small. Each table entry is the next state's row
 * offset, and the states that end a keyword are numbered last, so the scan loop is one table
 * read and one comparison per char until there is a hit.
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
  /** Row offset of the first state that ends a keyword; all states numbered after it do too. */
  private final int firstAcceptingRow;
  /** Row offset of the start state (not 0: renumbered among the non-accepting states). */
  private final int rootRow;
  /** Symbol of each byte of a Latin-1 copy of the text: ASCII as in {@link #symbols}, others 0. */
  private final byte[] byteSymbols = new byte[256];
  /** Whether no keyword holds {@code ?}, the stand-in of the Latin-1 copy for chars beyond it. */
  private final boolean latin1Safe;

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
    // Renumber the states so that those ending a keyword come last: a table entry is then just
    // the next state's row offset, and "a keyword ends here" is one comparison with
    // firstAcceptingRow, off the chain of dependent table reads that the scan loop is.
    int[] number = new int[states];
    int firstAccepting = 0;
    for (int s = 0; s < states; s++) {
      if (out.get(s).isEmpty()) {
        number[s] = firstAccepting++;
      }
    }
    int count = firstAccepting;
    for (int s = 0; s < states; s++) {
      if (!out.get(s).isEmpty()) {
        number[s] = count++;
      }
    }
    outputs = new int[states][];
    for (int s = 0; s < states; s++) {
      outputs[number[s]] = out.get(s).stream().mapToInt(Integer::intValue).distinct().toArray();
    }
    delta = new int[states * width];
    for (int s = 0; s < states; s++) {
      for (int c = 0; c < width; c++) {
        delta[(number[s] << shift) + c] = number[next[s * width + c]] << shift;
      }
    }
    firstAcceptingRow = firstAccepting << shift;
    rootRow = number[0] << shift;
    System.arraycopy(symbols, 0, byteSymbols, 0, 128);
    latin1Safe = symbols['?'] == 0;
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
    if (latin1Safe && text instanceof String s) {
      byte[] latin1 = s.getBytes(StandardCharsets.ISO_8859_1);
      // A surrogate pair encodes as one '?': then positions would shift, so read the chars.
      if (latin1.length == s.length()) {
        scanBytes(latin1, sink);
        return;
      }
    }
    int row = rootRow;
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      row = delta[row + (c < 128 ? symbols[c] : 0)];
      if (row >= firstAcceptingRow) {
        report(row, i + 1, sink);
      }
    }
  }

  /**
   * The scan over a Latin-1 copy of a string (one bulk copy, or an intrinsic encode with {@code ?}
   * for chars beyond Latin-1, which no keyword holds): a byte array indexes without the per-char
   * work of {@code String.charAt}, and chars 128-255 fold to symbol 0 through the 256-entry
   * table. Only used when the copy has one byte per char, so hit ends are string positions.
   */
  private void scanBytes(byte[] text, HitSink sink) {
    int[] d = delta;
    byte[] sym = byteSymbols;
    int accepting = firstAcceptingRow;
    int row = rootRow;
    for (int i = 0; i < text.length; i++) {
      row = d[row + sym[text[i] & 0xFF]];
      if (row >= accepting) {
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
