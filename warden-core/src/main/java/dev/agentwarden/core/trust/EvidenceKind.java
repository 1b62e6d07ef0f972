package dev.agentwarden.core.trust;

import java.util.Arrays;

/** What happened that lowers a subject's trust. Weights are {@link TrustRule}'s. */
public enum EvidenceKind {
  /** The upstream answered with an error or could not be reached. */
  ERROR("error"),
  /** The upstream did not answer in time. */
  TIMEOUT("timeout"),
  /** A call to the subject was refused by policy (argument constraints, a secret in the input). */
  POLICY_VIOLATION("policy_violation"),
  /** The subject's output had scanner findings (secrets redacted, injection handled). */
  OUTPUT_FINDING("output_finding"),
  /** The subject's pinned identity changed (rug pull, new description or schema). */
  IDENTITY_CHANGE("identity_change");

  private final String wire;

  EvidenceKind(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static EvidenceKind fromWire(String wire) {
    return Arrays.stream(values()).filter(k -> k.wire.equals(wire)).findFirst()
        .orElseThrow(() -> new TrustException("unknown evidence kind '" + wire + "'"));
  }
}
