package dev.agentwarden.core.trust;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * How evidence becomes a score: every subject starts at 1000; each event subtracts its kind's
 * weight, decayed exponentially with the event's age (half of it after one half-life, a quarter
 * after two), so a subject recovers when the evidence stops. Evidence older than {@link
 * #horizon()} (20 half-lives, less than a millionth of its weight) is ignored, which lets a
 * store read a bounded window.
 *
 * <p>Standard weights (points per event at age 0) and why: an error 25 and a timeout 40 (an
 * upstream fails now and then; a burst of a dozen matters), a policy violation 50 (calls to the
 * subject attract refused arguments), an output finding 100 (the subject returned a secret or
 * an injection attempt), an identity change 250 (a rug pull is the strongest signal). Standard
 * half-life: 24 hours. With the default threshold of 300, about 28 errors, 14 timeouts, 7
 * findings or 3 identity changes in a short time make calls need approval; a day without new
 * evidence halves what they took away.
 *
 * <p>Pure and immutable: the clock is the caller's ({@code now}).
 */
public final class TrustRule {
  private static final TrustRule STANDARD = new TrustRule(Duration.ofHours(24), Map.of(
      EvidenceKind.ERROR, 25.0,
      EvidenceKind.TIMEOUT, 40.0,
      EvidenceKind.POLICY_VIOLATION, 50.0,
      EvidenceKind.OUTPUT_FINDING, 100.0,
      EvidenceKind.IDENTITY_CHANGE, 250.0));

  private final Duration halfLife;
  private final Map<EvidenceKind, Double> weights;

  private TrustRule(Duration halfLife, Map<EvidenceKind, Double> weights) {
    Objects.requireNonNull(halfLife, "halfLife");
    if (halfLife.compareTo(Duration.ofMinutes(1)) < 0 || halfLife.compareTo(Duration.ofDays(365)) > 0) {
      throw new TrustException("the half-life must be between 1 minute and 365 days, got " + halfLife);
    }
    EnumMap<EvidenceKind, Double> w = new EnumMap<>(EvidenceKind.class);
    for (EvidenceKind k : EvidenceKind.values()) {
      Double weight = weights.get(k);
      if (weight == null || !(weight >= 0 && weight <= TrustScore.MAX)) {
        throw new TrustException("the weight of " + k.wire() + " must be between 0 and " + TrustScore.MAX
            + ", got " + weight);
      }
      w.put(k, weight);
    }
    this.halfLife = halfLife;
    this.weights = java.util.Collections.unmodifiableMap(w);
  }

  /** The standard weights and a 24-hour half-life (see the class description). */
  public static TrustRule standard() {
    return STANDARD;
  }

  /** A rule with every kind's weight given and its own half-life. */
  public static TrustRule of(Duration halfLife, Map<EvidenceKind, Double> weights) {
    return new TrustRule(halfLife, weights);
  }

  public Duration halfLife() {
    return halfLife;
  }

  public Map<EvidenceKind, Double> weights() {
    return weights;
  }

  /** Evidence older than this no longer counts. */
  public Duration horizon() {
    return halfLife.multipliedBy(20);
  }

  /**
   * The score as of {@code now}. Evidence dated after {@code now} counts as if it happened now
   * (clocks of several processes disagree slightly; that must not raise a score).
   */
  public TrustScore score(Collection<TrustEvidence> evidence, Instant now) {
    Objects.requireNonNull(now, "now");
    double penalty = 0;
    double halfLifeMillis = halfLife.toMillis();
    Instant oldest = now.minus(horizon());
    for (TrustEvidence e : evidence) {
      if (e.at().isBefore(oldest)) {
        continue;
      }
      long ageMillis = Math.max(0, Duration.between(e.at(), now).toMillis());
      // Every kind has a weight (checked when built); a missing one would count fully.
      double weight = weights.getOrDefault(e.kind(), (double) TrustScore.MAX);
      penalty += weight * e.count() * Math.pow(0.5, ageMillis / halfLifeMillis);
      if (penalty >= TrustScore.MAX) {
        return new TrustScore(0, now);
      }
    }
    // Rounded down: what is left of a penalty keeps the score below 1000 until it is negligible.
    return new TrustScore((int) Math.floor(TrustScore.MAX - penalty), now);
  }
}
