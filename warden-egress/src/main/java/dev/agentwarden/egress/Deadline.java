package dev.agentwarden.egress;

import java.time.Duration;

/**
 * The time budget of one egress call: a total deadline over every hop, and a per-read timeout.
 * A read may wait the read timeout or what is left of the total, whichever is shorter, so a
 * server that drips one byte at a time is cut at the total deadline.
 */
final class Deadline {
  private final long endNanos;
  private final long readTimeoutMillis;
  private boolean readIsShorter;

  Deadline(Duration total, Duration read) {
    this.endNanos = System.nanoTime() + total.toNanos();
    this.readTimeoutMillis = Math.max(1, read.toMillis());
  }

  long remainingMillis() {
    return (endNanos - System.nanoTime()) / 1_000_000;
  }

  /** Timeout for the next blocking read; throws when the total budget is spent. */
  int nextReadTimeoutMillis() {
    long remaining = remainingMillis();
    if (remaining <= 0) {
      throw new EgressException.Timeout("total", "the request took longer than its total timeout");
    }
    readIsShorter = readTimeoutMillis <= remaining;
    return (int) Math.min(Integer.MAX_VALUE, Math.min(readTimeoutMillis, remaining));
  }

  /** The exception for a read that timed out, naming which limit cut it. */
  EgressException.Timeout timeout() {
    return readIsShorter
        ? new EgressException.Timeout("read", "the upstream sent nothing for longer than the read timeout")
        : new EgressException.Timeout("total", "the request took longer than its total timeout");
  }

  int connectTimeoutMillis(Duration connect) {
    long remaining = remainingMillis();
    if (remaining <= 0) {
      throw new EgressException.Timeout("total", "the request took longer than its total timeout");
    }
    return (int) Math.max(1, Math.min(connect.toMillis(), remaining));
  }
}
