package dev.agentwarden.core.vault;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Replaces brokered secrets in a response body that arrives in pieces (chunked transfer,
 * server-sent events) with {@code [vault://name]}, byte-exact whatever the charset.
 *
 * <p>It holds back the tail of what it has seen that could still begin a secret (at most {@code
 * L - 1} bytes, {@code L} being the length of the longest secret): a secret split across two or
 * more pieces is therefore still whole when it is examined, and no byte that could begin a secret
 * is released before it is decided. Bytes that cannot begin one are released at once, so the end
 * of a server-sent event is not held back until the next event arrives on a long-lived stream.
 * Every occurrence is replaced, leftmost first and, at one position, the longest secret first.
 * {@link #finish} releases the rest.
 *
 * <p>Not thread-safe: one instance per response.
 */
public final class StreamScrubber {
  private final byte[][] needles;
  private final byte[][] replacements;
  private final int hold;
  private byte[] pending = new byte[0];
  private boolean finished;

  private StreamScrubber(List<BrokeredSecret> secrets) {
    // Longest first, so that at one position the longest secret wins.
    List<BrokeredSecret> ordered = secrets.stream()
        .sorted((a, b) -> Integer.compare(b.needle().length, a.needle().length)).toList();
    needles = new byte[ordered.size()][];
    replacements = new byte[ordered.size()][];
    int longest = 0;
    for (int i = 0; i < ordered.size(); i++) {
      needles[i] = ordered.get(i).needle();
      replacements[i] = ordered.get(i).replacement();
      longest = Math.max(longest, needles[i].length);
    }
    hold = Math.max(0, longest - 1);
  }

  /** A scrubber for the secrets released for one call (none: it passes everything through). */
  public static StreamScrubber of(List<BrokeredSecret> secrets) {
    return new StreamScrubber(List.copyOf(secrets));
  }

  /** Takes the next piece; returns the bytes that can be released now, scrubbed. */
  public byte[] push(byte[] piece, int offset, int length) {
    if (finished) {
      throw new IllegalStateException("the stream was already finished");
    }
    if (length == 0) {
      return new byte[0];
    }
    byte[] buffer = Arrays.copyOf(pending, pending.length + length);
    System.arraycopy(piece, offset, buffer, pending.length, length);
    return release(buffer, undecidedFrom(buffer));
  }

  /** Where the tail that is a proper prefix of a secret begins; every byte before it is decided. */
  private int undecidedFrom(byte[] buffer) {
    for (int p = Math.max(0, buffer.length - hold); p < buffer.length; p++) {
      for (byte[] needle : needles) {
        if (beginsWith(buffer, p, needle)) {
          return p;
        }
      }
    }
    return buffer.length;
  }

  /** Whether {@code buffer} from {@code p} to its end is a proper prefix of {@code needle}. */
  private static boolean beginsWith(byte[] buffer, int p, byte[] needle) {
    int n = buffer.length - p;
    if (n >= needle.length) {
      return false;
    }
    for (int k = 0; k < n; k++) {
      if (buffer[p + k] != needle[k]) {
        return false;
      }
    }
    return true;
  }

  /** The end of the stream: releases what was held back, scrubbed. */
  public byte[] finish() {
    if (finished) {
      return new byte[0];
    }
    finished = true;
    return release(pending, pending.length);
  }

  /**
   * Scrubs every occurrence that starts before {@code decided} (each is whole: it starts at
   * least {@code hold} bytes before the end) and keeps the undecided tail.
   */
  private byte[] release(byte[] buffer, int decided) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(0, decided) + 16);
    int i = 0;
    while (i < decided) {
      int at = -1;
      int which = -1;
      for (int n = 0; n < needles.length; n++) {
        int p = indexOf(buffer, needles[n], i, decided);
        if (p >= 0 && (at < 0 || p < at)) {
          at = p;
          which = n;
        }
      }
      if (at < 0) {
        out.write(buffer, i, decided - i);
        i = decided;
        break;
      }
      out.write(buffer, i, at - i);
      out.write(replacements[which], 0, replacements[which].length);
      i = at + needles[which].length;
    }
    pending = Arrays.copyOfRange(buffer, Math.max(i, Math.max(0, decided)), buffer.length);
    return out.toByteArray();
  }

  /** First position in {@code [from, startBefore)} where {@code needle} occurs whole in {@code buffer}. */
  private static int indexOf(byte[] buffer, byte[] needle, int from, int startBefore) {
    int last = Math.min(startBefore - 1, buffer.length - needle.length);
    outer:
    for (int p = from; p <= last; p++) {
      for (int k = 0; k < needle.length; k++) {
        if (buffer[p + k] != needle[k]) {
          continue outer;
        }
      }
      return p;
    }
    return -1;
  }

  /** {@code body} read through a scrubber of {@code secrets}; closing it closes {@code body}. */
  public static InputStream scrubbing(InputStream body, List<BrokeredSecret> secrets) {
    return new Scrubbing(body, of(secrets));
  }

  /** Extends {@link InputStream} itself, so every read path (skip, transferTo…) goes through the scrubber. */
  private static final class Scrubbing extends InputStream {
    private final InputStream in;
    private final StreamScrubber scrubber;
    /** Reused for every read from {@link #in}: the scrubber copies what it keeps. */
    private final byte[] piece = new byte[8192];
    private byte[] ready = new byte[0];
    private int readyAt;
    private boolean ended;

    Scrubbing(InputStream in, StreamScrubber scrubber) {
      this.in = in;
      this.scrubber = scrubber;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      // Reads on until something is released: a piece shorter than the hold releases nothing.
      while (readyAt == ready.length) {
        if (ended) {
          return -1;
        }
        int n = in.read(piece, 0, piece.length);
        if (n < 0) {
          ended = true;
          ready = scrubber.finish();
        } else {
          ready = scrubber.push(piece, 0, n);
        }
        readyAt = 0;
      }
      int n = Math.min(len, ready.length - readyAt);
      System.arraycopy(ready, readyAt, b, off, n);
      readyAt += n;
      return n;
    }

    @Override
    public int available() {
      return ready.length - readyAt;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
