package dev.agentwarden.core.model;

import java.util.List;

/**
 * A rule applied to a model's answer before the agent sees it: it may rewrite spans (redact) or
 * block the answer. Implementations are immutable and thread-safe.
 */
public interface OutputGuard {
  /** A span of the text to replace, with what replaces it. */
  record Rewrite(int start, int end, String replacement, String ruleId) {}

  /** What the guard decided about a text. */
  sealed interface Outcome {
    record Pass(List<Rewrite> rewrites) implements Outcome {
      public Pass {
        rewrites = List.copyOf(rewrites);
      }
    }

    /** The answer must not reach the agent; the reason is safe to show. */
    record Block(String code, String reason) implements Outcome {}
  }

  /** Stable name for audit records, e.g. {@code secret_redaction}. */
  String name();

  StreamHandling streamHandling();

  /**
   * For {@link StreamHandling#SLIDING_WINDOW}: the longest match the guard can find, in chars.
   * The stream holds back this many trailing chars; a match that starts in text already sent
   * (one longer than this) blocks the stream rather than leak.
   */
  int window();

  /**
   * Examines {@code text}. Rewrites must lie within {@code [from, text.length())}: the part
   * before {@code from} is context already delivered, given so rules that need a keyword before
   * a value still see it.
   */
  Outcome examine(String text, int from);
}
