package dev.agentwarden.core.scan;

import java.util.Objects;

/**
 * One thing a scanner found in a text.
 *
 * <p>The span {@code [start, end)} indexes UTF-16 chars of the scanned text. The description
 * never contains the matched value, so a finding can be logged or returned to a client without
 * leaking the secret it points at.
 *
 * @param kind which scanner found it
 * @param ruleId stable id of the rule that matched, e.g. {@code aws-access-key-id}
 * @param start first char of the match
 * @param end one past the last char of the match
 * @param confidence how sure the rule is, in (0, 1]
 * @param description what was found, safe to show
 */
public record Finding(
    ScanKind kind, String ruleId, int start, int end, double confidence, String description) {

  public Finding {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(ruleId, "ruleId");
    Objects.requireNonNull(description, "description");
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
    }
    if (!(confidence > 0.0 && confidence <= 1.0)) {
      throw new IllegalArgumentException("confidence must be in (0, 1], got " + confidence);
    }
  }

  public int length() {
    return end - start;
  }

  public boolean overlaps(Finding other) {
    return start < other.end && other.start < end;
  }
}
