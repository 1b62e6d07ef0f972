package dev.agentwarden.core.scan.secrets;

import dev.agentwarden.core.scan.Finding;
import dev.agentwarden.core.scan.ScanKind;
import dev.agentwarden.core.scan.internal.KeywordAutomaton;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds credentials in text and redacts them.
 *
 * <p>One Aho-Corasick pass over the text finds every rule keyword; each rule's regex then runs
 * only in a window around its keywords. A candidate is kept when it passes the rule's
 * validation (entropy, checksum, JWT structure) and does not look like a placeholder.
 * Overlapping findings are merged into one, keeping the most confident rule. Thread-safe and
 * immutable.
 */
public final class SecretScanner {
  private static final String MARKER = "[REDACTED:";
  private static final char ELLIPSIS = '\u2026';
  /** Text already redacted by us: never matched again, so redaction is idempotent. */
  private static final Pattern REDACTED = Pattern.compile("\\S{0,4}\u2026\\[REDACTED:[a-z0-9-]+\\]");

  private static final SecretScanner STANDARD = new SecretScanner(RuleCatalog.bundled());

  private final List<SecretRule> rules;
  private final KeywordAutomaton automaton;
  /** For each keyword of the automaton, the indexes of the rules that carry it. */
  private final int[][] rulesByKeyword;
  /** For each keyword, its exact spelling when it must match case-sensitively, else null. */
  private final String[] exactKeyword;

  SecretScanner(List<SecretRule> rules) {
    this.rules = List.copyOf(rules);
    Map<String, Integer> keywordIds = new java.util.LinkedHashMap<>();
    List<List<Integer>> byKeyword = new ArrayList<>();
    for (int r = 0; r < rules.size(); r++) {
      for (String k : rules.get(r).keywords()) {
        Integer id = keywordIds.get(k);
        if (id == null) {
          id = keywordIds.size();
          keywordIds.put(k, id);
          byKeyword.add(new ArrayList<>());
        }
        byKeyword.get(id).add(r);
      }
    }
    automaton =
        new KeywordAutomaton(keywordIds.keySet().stream().map(k -> k.toLowerCase(java.util.Locale.ROOT)).toList());
    exactKeyword =
        keywordIds.keySet().stream()
            .map(k -> k.equals(k.toLowerCase(java.util.Locale.ROOT)) ? null : k)
            .toArray(String[]::new);
    rulesByKeyword = new int[byKeyword.size()][];
    for (int k = 0; k < byKeyword.size(); k++) {
      rulesByKeyword[k] = byKeyword.get(k).stream().mapToInt(Integer::intValue).toArray();
    }
  }

  /** The scanner with every bundled rule. */
  public static SecretScanner standard() {
    return STANDARD;
  }

  /** The ids of all rules, in table order. */
  public List<String> ruleIds() {
    return rules.stream().map(SecretRule::id).toList();
  }

  /** Every credential in {@code text}, ordered by position, overlaps merged. */
  public List<Finding> scan(CharSequence text) {
    int n = text.length();
    // Per rule, the windows to search, kept merged as they arrive (hits come in text order).
    int[] windowStart = new int[rules.size()];
    int[] windowEnd = new int[rules.size()];
    java.util.Arrays.fill(windowEnd, -1);
    List<int[]> windows = new ArrayList<>();
    automaton.scan(
        text,
        (keyword, end) -> {
          int begin = end - automaton.keywordLength(keyword);
          String exact = exactKeyword[keyword];
          if (exact != null && !text.subSequence(begin, end).toString().equals(exact)) {
            return;
          }
          for (int r : rulesByKeyword[keyword]) {
            SecretRule rule = rules.get(r);
            int from = Math.max(0, begin - rule.windowBefore());
            int to = Math.min(n, end + rule.windowAfter());
            if (windowEnd[r] >= from) {
              windowEnd[r] = Math.max(windowEnd[r], to);
            } else {
              if (windowEnd[r] >= 0) {
                windows.add(new int[] {r, windowStart[r], windowEnd[r]});
              }
              windowStart[r] = from;
              windowEnd[r] = to;
            }
          }
        });
    for (int r = 0; r < rules.size(); r++) {
      if (windowEnd[r] >= 0) {
        windows.add(new int[] {r, windowStart[r], windowEnd[r]});
      }
    }
    List<Finding> raw = new ArrayList<>();
    for (int[] w : windows) {
      match(rules.get(w[0]), text, w[1], w[2], raw);
    }
    return merge(raw);
  }

  private static void match(SecretRule rule, CharSequence text, int from, int to, List<Finding> out) {
    Matcher m = rule.pattern().matcher(text);
    m.region(from, to);
    m.useTransparentBounds(true);
    m.useAnchoringBounds(false);
    while (m.find()) {
      int s = m.start();
      int e = m.end();
      try {
        int gs = m.start("s");
        if (gs >= 0) {
          s = gs;
          e = m.end("s");
        }
      } catch (IllegalArgumentException noSecretGroup) {
        // The whole match is the secret.
      }
      if (e == s) {
        continue;
      }
      String secret = text.subSequence(s, e).toString();
      double confidence = validate(rule, secret);
      if (confidence > 0 && !insideRedaction(text, s, e)) {
        out.add(
            new Finding(
                ScanKind.SECRETS, rule.id(), s, e, confidence, "possible " + rule.id().replace('-', ' ')));
      }
      if (m.end() == m.start()) {
        break;
      }
    }
  }

  /** The confidence of a candidate, or 0 when it fails validation. */
  static double validate(SecretRule rule, String secret) {
    if (CandidateChecks.entropy(secret) < rule.minEntropy()) {
      return 0;
    }
    if (!rule.has(SecretRule.Flag.RAW) && CandidateChecks.looksLikePlaceholder(secret)) {
      return 0;
    }
    if (rule.has(SecretRule.Flag.WORDY) && CandidateChecks.looksLikeIdentifier(secret)) {
      return 0;
    }
    if (rule.has(SecretRule.Flag.MIXED) && !CandidateChecks.hasLetterAndDigit(secret)) {
      return 0;
    }
    if (rule.has(SecretRule.Flag.JWT) && !CandidateChecks.jwtValid(secret)) {
      return 0;
    }
    double confidence = rule.confidence();
    if (rule.has(SecretRule.Flag.CRC32)) {
      // A token whose checksum verifies cannot be a typo or a random lookalike. One that fails
      // is still reported (test fixtures and truncated copies), with less confidence.
      confidence = CandidateChecks.crc32Valid(secret) ? 0.99 : Math.min(confidence, 0.6);
    }
    return confidence;
  }

  private static boolean insideRedaction(CharSequence text, int s, int e) {
    int from = Math.max(0, s - 8);
    int to = Math.min(text.length(), e + 64);
    Matcher m = REDACTED.matcher(text).region(from, to);
    while (m.find()) {
      if (m.start() < e && s < m.end()) {
        return true;
      }
    }
    return false;
  }

  static List<Finding> merge(List<Finding> raw) {
    if (raw.size() < 2) {
      return List.copyOf(raw);
    }
    List<Finding> sorted = new ArrayList<>(raw);
    sorted.sort(Comparator.comparingInt(Finding::start).thenComparingInt(f -> -f.end()));
    List<Finding> merged = new ArrayList<>();
    Finding current = sorted.get(0);
    for (int i = 1; i < sorted.size(); i++) {
      Finding next = sorted.get(i);
      if (next.start() < current.end()) {
        Finding best = next.confidence() > current.confidence() ? next : current;
        current =
            new Finding(
                ScanKind.SECRETS,
                best.ruleId(),
                current.start(),
                Math.max(current.end(), next.end()),
                best.confidence(),
                best.description());
      } else {
        merged.add(current);
        current = next;
      }
    }
    merged.add(current);
    return List.copyOf(merged);
  }

  /**
   * {@code text} with every credential replaced by its first chars, an ellipsis and the rule id,
   * e.g. {@code AKIA…[REDACTED:aws-access-key-id]}. Quotes, keys and line structure stay as they
   * were; redacting twice gives the same text as redacting once.
   */
  public String redact(String text) {
    return redact(text, scan(text));
  }

  /** {@code text} with the given findings (of this scanner) redacted. */
  public static String redact(String text, List<Finding> findings) {
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    Set<Finding> ordered = new LinkedHashSet<>(findings);
    List<Finding> sorted = new ArrayList<>(ordered);
    sorted.sort(Comparator.comparingInt(Finding::start));
    for (Finding f : sorted) {
      if (f.start() < at) {
        continue;
      }
      out.append(text, at, f.start());
      String secret = text.substring(f.start(), f.end());
      out.append(secret, 0, keptPrefix(secret)).append(ELLIPSIS).append(MARKER).append(f.ruleId()).append(']');
      at = f.end();
    }
    out.append(text, at, text.length());
    return out.toString();
  }

  /**
   * How many leading chars of a secret survive redaction: its fixed vendor prefix (up to 4
   * chars, the part that says what kind of key it was), never more than a fifth of it.
   */
  private static int keptPrefix(String secret) {
    int prefix = 0;
    while (prefix < Math.min(4, secret.length())) {
      char c = secret.charAt(prefix);
      if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-')) {
        break;
      }
      prefix++;
    }
    return Math.min(prefix, secret.length() / 5);
  }
}
