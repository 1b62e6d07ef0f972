package dev.agentwarden.core.audit;

import java.util.Locale;
import java.util.Optional;

/** The outcome of verifying an audit export: verified, or the first failing seq and why. */
public sealed interface VerificationResult {

  /** Why verification failed. {@link #code()} is the stable lower-snake name printed and documented. */
  enum Reason {
    /** An event's recorded hash differs from the hash of its content. */
    HASH_MISMATCH,
    /** An event's prev_hash is not the hash of the event before it (or the genesis value). */
    CHAIN_BROKEN,
    /** The signature of an event or of the tree head does not verify. */
    BAD_SIGNATURE,
    /** A sequence number is missing. */
    GAP,
    /** Events are out of order. */
    REORDER,
    /** An event appears twice. */
    DUPLICATE,
    /** Signed by a key the export does not publish, or (with trusted keys given) one not trusted. */
    UNKNOWN_KEY,
    /** Signed at a time outside the signing key's validity. */
    KEY_NOT_VALID,
    /** The export ends before the events its signed tree head (or the checkpoint) covers, or has no head. */
    TRUNCATED,
    /** A line follows the signed tree head. */
    APPENDED_AFTER_HEAD,
    /** The signed tree head does not describe the events before it. */
    HEAD_MISMATCH,
    /** The export is not an extension of the given checkpoint. */
    CHECKPOINT_MISMATCH,
    /** An event or head belongs to another tenant than the export. */
    TENANT_MISMATCH,
    /** A line is not valid JSON of the export format. */
    MALFORMED;

    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Every event from {@code firstSeq} to {@code lastSeq} verified and {@code head} signs them.
   *
   * @param complete the export starts at seq 1, so the chain was checked from its genesis and
   *     the Merkle root of the head recomputed
   * @param anchored signatures were checked against trusted keys given by the caller, not only
   *     against the keys the export itself carries
   */
  record Verified(
      String tenantId, long count, long firstSeq, long lastSeq, TreeHead head, boolean complete, boolean anchored)
      implements VerificationResult {}

  /** The first failure found, at sequence number {@code seq}. */
  record Failed(long seq, Reason reason, String detail) implements VerificationResult {}

  default boolean isVerified() {
    return this instanceof Verified;
  }

  default Optional<Failed> failure() {
    return this instanceof Failed f ? Optional.of(f) : Optional.empty();
  }
}
