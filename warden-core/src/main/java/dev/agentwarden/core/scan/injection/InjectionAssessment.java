package dev.agentwarden.core.scan.injection;

import java.util.List;

/**
 * How likely a text is to carry a prompt injection, and why.
 *
 * @param score combined evidence in [0, 1]
 * @param reasons one line per piece of evidence, e.g. {@code instruction_override:
 *     override-ignore-previous (sentence 2)}; never contains the text itself
 * @param families the technique families seen
 * @param sentenceScores the score of each sentence of the normalised text, in order
 */
public record InjectionAssessment(
    double score, List<String> reasons, List<Family> families, List<Double> sentenceScores) {

  /** The score at or above which a text counts as an injection attempt. */
  public static final double FLAG_THRESHOLD = 0.5;

  public InjectionAssessment {
    if (!(score >= 0 && score <= 1)) {
      throw new IllegalArgumentException("score must be in [0, 1], got " + score);
    }
    reasons = List.copyOf(reasons);
    families = List.copyOf(families);
    sentenceScores = List.copyOf(sentenceScores);
  }

  public boolean flagged() {
    return score >= FLAG_THRESHOLD;
  }
}
