package dev.agentwarden.core.trust;

/**
 * A tenant's threshold: calls to a subject whose score is below it need approval. 0 turns the
 * requirement off (no score is below 0); 1001 would make every call need approval and is not
 * allowed, an approval rule on the agent says that more plainly.
 */
public record TrustThreshold(int value) {
  /** Used until a tenant sets its own. */
  public static final TrustThreshold DEFAULT = new TrustThreshold(300);

  public TrustThreshold {
    if (value < 0 || value > TrustScore.MAX) {
      throw new TrustException("the trust threshold must be between 0 and " + TrustScore.MAX + ", got " + value);
    }
  }
}
