package dev.agentwarden.core.scan.injection;

import dev.agentwarden.core.scan.Finding;
import dev.agentwarden.core.scan.internal.KeywordAutomaton;
import dev.agentwarden.core.scan.unicode.UnicodeScanner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Scores how likely a text is to carry a prompt injection.
 *
 * <p>The text is first normalised as a model would read it (NFKC, invisible and bidi characters
 * removed, hidden tag text decoded, lookalike letters folded); encoded layers (base64, hex, URL
 * escapes, HTML entities, ROT13, leetspeak) are decoded and scanned too, up to {@link
 * #MAX_DEPTH} levels deep. Each sentence gets a score from the patterns that match it, treating
 * matches as independent evidence; sentence scores combine the same way into the text's score.
 * Stateless and thread-safe.
 */
public final class InjectionScanner {
  /** How many decoding layers deep the scanner looks. */
  public static final int MAX_DEPTH = 3;

  private static final int MAX_CHARS = 256 * 1024;

  private InjectionScanner() {}

  /** Assesses {@code text}. Texts above 256 KiB are assessed on their first 256 KiB. */
  public static InjectionAssessment assess(String text) {
    String input = text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text;
    Evidence evidence = new Evidence();
    List<Finding> hidden = UnicodeScanner.scan(input);
    for (Finding f : hidden) {
      double w = switch (f.ruleId()) {
        case "unicode-tag-characters", "unicode-zero-width-run", "unicode-variation-selector-run" -> 0.35;
        case "unicode-homoglyph-word", "unicode-styled-letters", "unicode-bidi-control" -> 0.25;
        default -> 0.15;
      };
      evidence.add(-1, Family.OBFUSCATION, f.ruleId(), w);
    }
    String normalised = UnicodeScanner.normalise(input);
    scanLayer(normalised, "text", 0, evidence);
    return evidence.result();
  }

  /** All sentence patterns, then the case-sensitive ones, in one list. */
  private static final List<InjectionPattern> PATTERNS = concat(PatternCatalog.SENTENCE, PatternCatalog.RAW);
  /** Patterns without triggers: they run on every sentence. */
  private static final int[] ALWAYS;
  /** ASCII triggers, matched in one pass; TRIGGER_PATTERNS[k] are the patterns trigger k enables. */
  private static final KeywordAutomaton ASCII_TRIGGERS;
  private static final int[][] TRIGGER_PATTERNS;
  /** Non-ASCII triggers (other scripts), checked only when the text has non-ASCII chars. */
  private static final List<String> WIDE_TRIGGERS;
  private static final int[][] WIDE_TRIGGER_PATTERNS;

  static {
    java.util.Map<String, List<Integer>> ascii = new java.util.LinkedHashMap<>();
    java.util.Map<String, List<Integer>> wide = new java.util.LinkedHashMap<>();
    List<Integer> always = new ArrayList<>();
    for (int i = 0; i < PATTERNS.size(); i++) {
      String t = PatternCatalog.TRIGGERS.get(PATTERNS.get(i).id());
      if (t == null) {
        always.add(i);
        continue;
      }
      for (String trigger : t.split(",")) {
        boolean isAscii = trigger.chars().allMatch(c -> c < 0x80);
        (isAscii ? ascii : wide).computeIfAbsent(trigger, k -> new ArrayList<>()).add(i);
      }
    }
    ALWAYS = always.stream().mapToInt(Integer::intValue).toArray();
    ASCII_TRIGGERS = new KeywordAutomaton(List.copyOf(ascii.keySet()));
    TRIGGER_PATTERNS = ascii.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    WIDE_TRIGGERS = List.copyOf(wide.keySet());
    WIDE_TRIGGER_PATTERNS = wide.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
  }

  private static List<InjectionPattern> concat(List<InjectionPattern> a, List<InjectionPattern> b) {
    List<InjectionPattern> all = new ArrayList<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  private static void scanLayer(String text, String layer, int depth, Evidence evidence) {
    int[] bounds = sentenceBounds(text);
    int sentences = bounds.length / 2;
    int base = evidence.sentenceCount();
    // Which (pattern, sentence) pairs are worth a regex run: those whose trigger occurs in it.
    java.util.BitSet[] todo = new java.util.BitSet[PATTERNS.size()];
    ASCII_TRIGGERS.scan(text, (k, end) -> {
      int sentence = sentenceAt(bounds, end - 1);
      for (int p : TRIGGER_PATTERNS[k]) {
        (todo[p] == null ? (todo[p] = new java.util.BitSet()) : todo[p]).set(sentence);
      }
    });
    if (!isAscii(text)) {
      String lower = text.toLowerCase(java.util.Locale.ROOT);
      for (int k = 0; k < WIDE_TRIGGERS.size(); k++) {
        for (int at = lower.indexOf(WIDE_TRIGGERS.get(k)); at >= 0; at = lower.indexOf(WIDE_TRIGGERS.get(k), at + 1)) {
          int sentence = sentenceAt(bounds, Math.min(at, text.length() - 1));
          for (int p : WIDE_TRIGGER_PATTERNS[k]) {
            (todo[p] == null ? (todo[p] = new java.util.BitSet()) : todo[p]).set(sentence);
          }
        }
      }
    }
    for (int p : ALWAYS) {
      todo[p] = new java.util.BitSet();
      todo[p].set(0, sentences);
    }
    for (int p = 0; p < todo.length; p++) {
      if (todo[p] == null) {
        continue;
      }
      InjectionPattern pattern = PATTERNS.get(p);
      for (int i = todo[p].nextSetBit(0); i >= 0 && i < sentences; i = todo[p].nextSetBit(i + 1)) {
        Matcher m = pattern.pattern().matcher(text).region(bounds[2 * i], bounds[2 * i + 1]);
        if (m.find()) {
          evidence.add(base + i, pattern.family(), layerTag(layer, pattern.id()), pattern.weight());
          break;
        }
      }
    }
    evidence.sentences(sentences);
    embeddedRequest(text, layer, base, evidence);
    if (depth >= MAX_DEPTH) {
      return;
    }
    for (Decoders.Layer decoded : Decoders.decode(text)) {
      if (decoded.text().equals(text)) {
        continue;
      }
      boolean before = evidence.families.contains(Family.OBFUSCATION);
      int count = evidence.hits();
      scanLayer(UnicodeScanner.normalise(decoded.text()), decoded.encoding(), depth + 1, evidence);
      if (evidence.hits() > count && !before && !decoded.encoding().equals("leetspeak")) {
        evidence.add(-1, Family.OBFUSCATION, "encoded-" + decoded.encoding(), 0.3);
      }
    }
  }

  static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /**
   * Start and end offsets of each non-blank sentence, flattened: [s0, e0, s1, e1, ...]. A
   * sentence ends at a newline, at CJK full stops, or at . ! ? followed by whitespace.
   */
  static int[] sentenceBounds(String text) {
    List<Integer> b = new ArrayList<>();
    int n = text.length();
    int at = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\u3002' || c == '\uff01' || c == '\uff1f') {
        addSentence(text, at, c == '\n' ? i : i + 1, b);
        at = i + 1;
      } else if ((c == '.' || c == '!' || c == '?') && i + 1 < n && Character.isWhitespace(text.charAt(i + 1))) {
        addSentence(text, at, i + 1, b);
        at = i + 1;
      }
    }
    addSentence(text, at, n, b);
    if (b.isEmpty()) {
      b.add(0);
      b.add(n);
    }
    return b.stream().mapToInt(Integer::intValue).toArray();
  }

  private static void addSentence(String text, int from, int to, List<Integer> b) {
    while (from < to && Character.isWhitespace(text.charAt(from))) {
      from++;
    }
    if (to > from) {
      b.add(from);
      b.add(to);
    }
  }

  /** The index of the sentence containing (or nearest before) offset {@code at}. */
  static int sentenceAt(int[] bounds, int at) {
    int lo = 0;
    int hi = bounds.length / 2 - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (bounds[2 * mid] <= at) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private static String layerTag(String layer, String id) {
    return layer.equals("text") ? id : layer + ":" + id;
  }

  /**
   * A document (an e-mail, a page) that contains a line ordering or asking the reader something
   * is how indirect injections arrive: the reader is the assistant.
   */
  private static final List<String> DOCUMENT_HINTS =
      List.of("SUBJECT:", "EMAIL_FROM:", "RECEIVED DATE:", "CONTENT:", "From:", "Subject:", "To:", "Hi ", "Dear ");

  private static void embeddedRequest(String text, String layer, int base, Evidence evidence) {
    if (DOCUMENT_HINTS.stream().noneMatch(text::contains)
        || !PatternCatalog.DOCUMENT_MARKERS.matcher(text).find()) {
      return;
    }
    Matcher m = PatternCatalog.IMPERATIVE.matcher(text);
    while (m.find()) {
      String line = m.group().strip();
      if (line.startsWith("SUBJECT:") || line.contains("|EMAIL_FROM:")) {
        continue;
      }
      evidence.add(base, Family.EMBEDDED_REQUEST, layerTag(layer, "document-embedded-request"), 0.6);
      return;
    }
  }

  /** Accumulates pattern hits into per-sentence scores. */
  private static final class Evidence {
    private final List<double[]> perSentence = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private final LinkedHashSet<String> reasons = new LinkedHashSet<>();
    private final EnumSet<Family> families = EnumSet.noneOf(Family.class);
    private double global = 0;
    private int sentenceCount;
    private int hits;

    int sentenceCount() {
      return sentenceCount;
    }

    int hits() {
      return hits;
    }

    void sentences(int n) {
      sentenceCount += n;
    }

    void add(int sentence, Family family, String id, double weight) {
      // Each pattern counts once per text: repetition is not more evidence.
      if (!seen.add(id)) {
        return;
      }
      hits++;
      families.add(family);
      reasons.add(family.label() + ": " + id + (sentence >= 0 ? " (sentence " + (sentence + 1) + ")" : ""));
      if (sentence < 0) {
        global = 1 - (1 - global) * (1 - weight);
        return;
      }
      while (perSentence.size() <= sentence) {
        perSentence.add(new double[] {0});
      }
      double[] s = perSentence.get(sentence);
      s[0] = 1 - (1 - s[0]) * (1 - weight);
    }

    InjectionAssessment result() {
      double keep = 1 - global;
      List<Double> scores = new ArrayList<>();
      for (double[] s : perSentence) {
        scores.add(s[0]);
        keep *= 1 - s[0];
      }
      double score = Math.round((1 - keep) * 1000) / 1000.0;
      return new InjectionAssessment(score, List.copyOf(reasons), List.copyOf(families), scores);
    }
  }
}
