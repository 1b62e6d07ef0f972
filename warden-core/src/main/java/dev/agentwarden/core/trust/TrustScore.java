package dev.agentwarden.core.trust;

import java.time.Instant;
import java.util.Objects;

/** A score from 0 (no trust) to 1000 (no evidence against), as of {@code at}. */
public record TrustScore(int value, Instant at) {
  public static final int MAX = 1000;

  public TrustScore {
    Objects.requireNonNull(at, "at");
    if (value < 0 || value > MAX) {
      throw new TrustException("a trust score is between 0 and " + MAX + ", got " + value);
    }
  }

  /** Whether calls to a subject with this score need a human's approval. */
  public boolean below(TrustThreshold threshold) {
    return value < threshold.value();
  }
}
