package dev.agentwarden.core.scan.injection;

import dev.agentwarden.core.scan.Finding;
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
    scanLayer(normalised, "text", 0, evidence, true);
    return evidence.result();
  }

  private static void scanLayer(String text, String layer, int depth, Evidence evidence, boolean top) {
    String[] sentences = sentences(text);
    int base = evidence.sentenceCount();
    for (int i = 0; i < sentences.length; i++) {
      String sentence = sentences[i];
      for (InjectionPattern p : PatternCatalog.SENTENCE) {
        if (p.pattern().matcher(sentence).find()) {
          evidence.add(base + i, p.family(), layerTag(layer, p.id()), p.weight());
        }
      }
      for (InjectionPattern p : PatternCatalog.RAW) {
        if (p.pattern().matcher(sentence).find()) {
          evidence.add(base + i, p.family(), layerTag(layer, p.id()), p.weight());
        }
      }
    }
    evidence.sentences(sentences.length);
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
      scanLayer(UnicodeScanner.normalise(decoded.text()), decoded.encoding(), depth + 1, evidence, false);
      if (evidence.hits() > count && !before && !decoded.encoding().equals("leetspeak")) {
        evidence.add(-1, Family.OBFUSCATION, "encoded-" + decoded.encoding(), 0.3);
      }
    }
  }

  private static String layerTag(String layer, String id) {
    return layer.equals("text") ? id : layer + ":" + id;
  }

  /**
   * A document (an e-mail, a page) that contains a line ordering or asking the reader something
   * is how indirect injections arrive: the reader is the assistant.
   */
  private static void embeddedRequest(String text, String layer, int base, Evidence evidence) {
    if (!PatternCatalog.DOCUMENT_MARKERS.matcher(text).find()) {
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

  static String[] sentences(String text) {
    String[] parts = text.split("(?<=[.!?。！？])\\s+|\\n+|(?<=[。！？])");
    return Arrays.stream(parts).filter(s -> !s.isBlank()).toArray(String[]::new);
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
