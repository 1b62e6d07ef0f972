package dev.agentwarden.core.model;

/** How an output guard treats a streamed answer; every guard declares one. */
public enum StreamHandling {
  /**
   * The guard sees the text through a sliding window: it holds back the last characters until
   * they can no longer be part of a match, so a match split across chunks is still caught
   * before any of it is sent.
   */
  SLIDING_WINDOW,
  /**
   * The guard needs the whole answer: a stream is checked when it ends, and a violation ends the
   * stream with an error event instead of the normal end.
   */
  AT_END
}
