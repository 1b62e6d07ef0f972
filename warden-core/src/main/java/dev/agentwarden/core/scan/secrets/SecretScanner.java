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
  /** Per rule, the regex group holding the secret (0: the whole match) and an alternative. */
  private final int[] secretGroup;
  private final int[] altGroup;
  private final String[] description;
  /** Per rule: how far before its keyword a match may start (0 unless BEHIND), and how far it runs. */
  private final int[] lead;
  private final int[] span;
  /** Per rule: whether it runs only where an assignment follows its keyword. */
  private final boolean[] needsAssignment;

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
    secretGroup = new int[rules.size()];
    altGroup = new int[rules.size()];
    description = new String[rules.size()];
    lead = new int[rules.size()];
    span = new int[rules.size()];
    needsAssignment = new boolean[rules.size()];
    for (int r = 0; r < rules.size(); r++) {
      Map<String, Integer> groups = rules.get(r).pattern().namedGroups();
      secretGroup[r] = groups.getOrDefault("s", 0);
      altGroup[r] = groups.getOrDefault("t", 0);
      description[r] = "possible " + rules.get(r).id().replace('-', ' ');
      lead[r] = rules.get(r).has(SecretRule.Flag.BEHIND) ? rules.get(r).lead() : 0;
      span[r] = rules.get(r).span();
      needsAssignment[r] = rules.get(r).has(SecretRule.Flag.ASSIGN);
    }
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
    Pass pass = new Pass(text);
    automaton.scan(text, pass);
    return merge(pass.raw);
  }

  /**
   * One scan of one text: receives the keyword hits of the automaton and matches the rules of
   * each hit at the hit. A rule is tried with {@link Matcher#lookingAt()} from the first char of
   * its keyword, so a miss costs a few char comparisons; only {@link SecretRule.Flag#BEHIND}
   * rules, whose keyword sits inside the match, try the few start positions before it. Matchers
   * are made once per rule and text.
   */
  private final class Pass implements KeywordAutomaton.HitSink {
    private final CharSequence text;
    private final int n;
    private final Matcher[] matchers = new Matcher[rules.size()];
    /** Per rule, the last start position tried, so keywords sharing a start try it once. */
    private final int[] lastTried = new int[rules.size()];
    /** Per rule, the end of its last match: hits inside it are part of that match. */
    private final int[] coveredTo = new int[rules.size()];
    final List<Finding> raw = new ArrayList<>();
    /** The keyword end whose assignment check {@link #assignmentFollows} holds, -1 for none yet. */
    private int assignmentCheckedAt = -1;
    private boolean assignmentFollows;

    Pass(CharSequence text) {
      this.text = text;
      this.n = text.length();
      java.util.Arrays.fill(lastTried, -1);
    }

    @Override
    public void hit(int keyword, int end) {
      int begin = end - automaton.keywordLength(keyword);
      String exact = exactKeyword[keyword];
      if (exact != null && !sameChars(text, begin, exact)) {
        return;
      }
      for (int r : rulesByKeyword[keyword]) {
        if (begin < coveredTo[r]) {
          continue;
        }
        if (needsAssignment[r]) {
          if (assignmentCheckedAt != end) {
            assignmentCheckedAt = end;
            assignmentFollows = assignmentFollows(text, end);
          }
          if (!assignmentFollows) {
            continue;
          }
        }
        if (lead[r] == 0) {
          if (lastTried[r] != begin) {
            lastTried[r] = begin;
            tryAt(r, begin);
          }
          continue;
        }
        // Hits arrive in order of their end, so a longer keyword may begin before the last one.
        int from = begin > lastTried[r] ? Math.max(lastTried[r] + 1, begin - lead[r]) : begin - lead[r];
        lastTried[r] = Math.max(lastTried[r], begin);
        for (int at = Math.max(0, from); at <= begin; at++) {
          if ((at == 0 || !Character.isLetterOrDigit(text.charAt(at - 1))) && tryAt(r, at)) {
            break;
          }
        }
      }
    }

    private boolean tryAt(int r, int at) {
      Matcher m = matchers[r];
      if (m == null) {
        m = rules.get(r).pattern().matcher(text);
        m.useTransparentBounds(true);
        m.useAnchoringBounds(false);
        matchers[r] = m;
      }
      m.region(at, Math.min(n, at + span[r]));
      if (!m.lookingAt()) {
        return false;
      }
      int s = m.start();
      int e = m.end();
      int g = m.start(secretGroup[r]) >= 0 || altGroup[r] == 0 ? secretGroup[r] : altGroup[r];
      if (m.start(g) >= 0) {
        s = m.start(g);
        e = m.end(g);
      }
      coveredTo[r] = m.end();
      if (e == s) {
        return true;
      }
      String secret = text.subSequence(s, e).toString();
      double confidence = validate(rules.get(r), secret);
      if (confidence > 0 && !insideRedaction(text, s, e)) {
        raw.add(new Finding(ScanKind.SECRETS, rules.get(r).id(), s, e, confidence, description[r]));
      }
      return true;
    }
  }

  private static boolean sameChars(CharSequence text, int at, String exact) {
    for (int i = 0; i < exact.length(); i++) {
      if (text.charAt(at + i) != exact.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** How far a name may run on past its keyword before the check gives up (and lets the rule run). */
  private static final int NAME_RUN = 64;

  private static final int GAP_RUN = 8;

  /**
   * Whether an assignment follows the keyword ending at {@code end} (see {@link
   * SecretRule.Flag#ASSIGN}): the keyword ends in an operator, or past the rest of a name and
   * then quotes, brackets and white space comes one. When a run is longer than the check looks,
   * it answers yes, so a rule is never skipped that its regex could match.
   */
  static boolean assignmentFollows(CharSequence text, int end) {
    int n = text.length();
    if (end > 0 && isAssignmentOperator(text.charAt(end - 1))) {
      return true;
    }
    int i = end;
    int limit = Math.min(n, end + NAME_RUN);
    while (i < limit && isNameChar(text.charAt(i))) {
      i++;
    }
    if (i == limit) {
      return i < n;
    }
    limit = Math.min(n, i + GAP_RUN);
    while (i < limit && isGapChar(text.charAt(i))) {
      i++;
    }
    if (i == limit) {
      return i < n;
    }
    return isAssignmentOperator(text.charAt(i));
  }

  private static boolean isNameChar(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-';
  }

  private static boolean isGapChar(char c) {
    // Every char of the rules' \s (form feed and vertical tab too), so no rule is skipped that
    // its regex could match.
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B' || c == '"' || c == '\''
        || c == '`' || c == '\\' || c == ']';
  }

  private static boolean isAssignmentOperator(char c) {
    return c == ':' || c == '=' || c == '!' || c == '?' || c == ',';
  }

  /** The confidence of a candidate, or 0 when it fails validation. */
  static double validate(SecretRule rule, String secret) {
    if (CandidateChecks.entropy(secret) < CandidateChecks.entropyFloor(secret, rule.minEntropy())) {
      return 0;
    }
    if (!rule.has(SecretRule.Flag.RAW)
        && CandidateChecks.looksLikePlaceholder(secret, !rule.has(SecretRule.Flag.LITERAL))) {
      return 0;
    }
    if (rule.has(SecretRule.Flag.GENERIC)
        && (CandidateChecks.hasAscendingRun(secret, 7) || CandidateChecks.isNonRandomUuid(secret)
            || CandidateChecks.isMixedCaseHex(secret))) {
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
    if (!contains(text, from, to, ELLIPSIS)) {
      return false;
    }
    Matcher m = REDACTED.matcher(text).region(from, to);
    while (m.find()) {
      if (m.start() < e && s < m.end()) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(CharSequence text, int from, int to, char c) {
    for (int i = from; i < to; i++) {
      if (text.charAt(i) == c) {
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
