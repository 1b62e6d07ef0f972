package dev.agentwarden.core.scan.injection;

import dev.agentwarden.core.scan.ContentSource;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Turns an injection score into an action, by the trust of the content's source. Each source
 * has three ascending thresholds: at or above the first the content is annotated, then
 * quarantined, then blocked. Immutable; build one per agent.
 */
public final class InjectionPolicy {
  /** Thresholds for one source: annotate at or above, quarantine at or above, block at or above. */
  public record Thresholds(double annotate, double quarantine, double block) {
    public Thresholds {
      if (!(0 <= annotate && annotate <= quarantine && quarantine <= block && block <= 1.0001)) {
        throw new IllegalArgumentException(
            "thresholds must satisfy 0 <= annotate <= quarantine <= block <= 1, got "
                + annotate + ", " + quarantine + ", " + block);
      }
    }
  }

  /** Never reached by a score: the action is disabled for that source. */
  public static final double NEVER = 1.0001;

  private final Map<ContentSource, Thresholds> thresholds;

  private InjectionPolicy(Map<ContentSource, Thresholds> thresholds) {
    this.thresholds = Map.copyOf(thresholds);
  }

  /**
   * The default: a user may phrase things that look like injections (they only attack their own
   * session), so user input is annotated and blocked only when nearly certain; tool output and
   * retrieved documents are data, so suspicious content is quarantined early and blocked when
   * likely.
   */
  public static InjectionPolicy standard() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The verdict for content from {@code source} with this assessment. */
  public Verdict decide(InjectionAssessment assessment, ContentSource source) {
    Objects.requireNonNull(assessment, "assessment");
    Thresholds t = thresholds(Objects.requireNonNull(source, "source"));
    double s = assessment.score();
    Action action =
        s >= t.block() ? Action.BLOCK
            : s >= t.quarantine() ? Action.QUARANTINE
            : s >= t.annotate() ? Action.ANNOTATE
            : Action.ALLOW;
    return new Verdict(action, source, s, assessment.reasons());
  }

  public Thresholds thresholds(ContentSource source) {
    // The builder fills every source, so a missing entry is a bug, not a configuration.
    return Objects.requireNonNull(thresholds.get(source), "thresholds for every source");
  }

  /** Builds a policy; sources not configured keep the standard thresholds. */
  public static final class Builder {
    private final Map<ContentSource, Thresholds> thresholds = new EnumMap<>(ContentSource.class);

    private Builder() {
      thresholds.put(ContentSource.USER, new Thresholds(0.5, 0.9, 0.9));
      thresholds.put(ContentSource.TOOL_OUTPUT, new Thresholds(0.2, 0.5, 0.85));
      thresholds.put(ContentSource.RETRIEVED_DOCUMENT, new Thresholds(0.2, 0.5, 0.85));
    }

    public Builder thresholds(ContentSource source, Thresholds t) {
      thresholds.put(Objects.requireNonNull(source, "source"), Objects.requireNonNull(t, "thresholds"));
      return this;
    }

    public InjectionPolicy build() {
      return new InjectionPolicy(thresholds);
    }
  }
}
