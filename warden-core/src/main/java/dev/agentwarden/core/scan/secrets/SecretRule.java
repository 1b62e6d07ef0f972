package dev.agentwarden.core.scan.secrets;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One credential format: the keywords that must occur near it, the pattern that finds it, and
 * the validation that a candidate must pass.
 *
 * @param id stable lower-kebab id, used in findings and redaction markers
 * @param confidence confidence of a validated match, in (0, 1]
 * @param keywords ASCII strings, one of which occurs in or next to every match; matched
 *     case-sensitively when they contain an upper-case letter (short vendor prefixes such as
 *     {@code SK} would otherwise hit every "task" and "disk")
 * @param minEntropy minimum Shannon entropy (bits per char) of the secret part
 * @param flags validations and options, see {@link Flag}
 * @param pattern the regex; the named group {@code s}, when present, is the secret part
 */
record SecretRule(
    String id,
    double confidence,
    List<String> keywords,
    double minEntropy,
    Set<Flag> flags,
    Pattern pattern) {

  enum Flag {
    /** GitHub-style token: the last 6 base62 chars are the CRC32 of the 30 before them. */
    CRC32,
    /** A JSON Web Token: header and payload must decode to JSON objects. */
    JWT,
    /** Matches may span many lines (PEM blocks): let a match run far past its keyword. */
    LONG,
    /**
     * The keyword sits inside the match, not at its start (a suffix such as {@code -us12}, or a
     * prefix such as {@code https://} before the keyword {@code sentry.io}): the match is also
     * tried from each word start (a char after a non-alphanumeric one) in the {@link #lead()}
     * chars before the keyword.
     */
    BEHIND,
    /** Placeholder-looking values are not exempted (the format itself is unambiguous). */
    RAW,
    /** The secret must contain a digit and a letter (random tokens almost always do). */
    MIXED,
    /** A value that reads as a dotted or dashed lower-case name is a label, not a secret. */
    WORDY,
    /**
     * A bare assignment with no vendor format: a value holding a run of seven ascending chars
     * ({@code abcdefg}, {@code 1234567}) is an example, since random keys practically never hold
     * one; a UUID that is not version 4 is an id (time or name based), not a random token.
     */
    GENERIC,
    /**
     * A password written into a URL, a connection string or a call or config block that logs in
     * is a credential even when it is a stand-in word ({@code secret}, {@code password}): it
     * connects as written. Template markers and placeholder words still exempt it.
     */
    LITERAL,
    /**
     * The match needs an assignment after its keyword: past the rest of a name (letters, digits,
     * {@code _ . -}) and then quotes, brackets and white space, the next char is one of
     * {@code : = ! ? ,} (or the keyword itself ends in one). Checked once per keyword hit for all
     * such rules before any of their regexes runs; most mentions of {@code key}, {@code token}
     * or {@code secret} in code ({@code getKey()}, {@code tokens.add(}) fail it at once.
     */
    ASSIGN
  }

  SecretRule {
    if (!id.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
      throw new IllegalArgumentException("rule id must be lower-kebab: " + id);
    }
    if (!(confidence > 0 && confidence <= 1)) {
      throw new IllegalArgumentException("confidence of " + id + " must be in (0, 1]");
    }
    if (keywords.isEmpty()) {
      throw new IllegalArgumentException("rule " + id + " needs at least one keyword");
    }
    keywords = List.copyOf(keywords);
    flags = Set.copyOf(flags);
  }

  boolean has(Flag flag) {
    return flags.contains(flag);
  }

  /** How far past its start a match may run. */
  int span() {
    return has(Flag.LONG) ? 16_384 : 480;
  }

  /** For {@link Flag#BEHIND} rules, how far before its keyword a match may start. */
  int lead() {
    return has(Flag.LONG) ? 128 : 64;
  }
}
