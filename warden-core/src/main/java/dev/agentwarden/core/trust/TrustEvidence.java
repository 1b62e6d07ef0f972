package dev.agentwarden.core.trust;

import java.time.Instant;
import java.util.Objects;

/**
 * {@code count} events of one kind observed at {@code at}. Stores may aggregate events of a
 * short period into one value; they should then use the latest time of the period, so the
 * aggregate never decays more than its events would.
 */
public record TrustEvidence(EvidenceKind kind, Instant at, long count) {
  public TrustEvidence {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(at, "at");
    if (count < 1) {
      throw new TrustException("evidence count must be at least 1, got " + count);
    }
  }

  public static TrustEvidence of(EvidenceKind kind, Instant at) {
    return new TrustEvidence(kind, at, 1);
  }
}
