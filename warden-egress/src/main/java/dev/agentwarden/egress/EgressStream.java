package dev.agentwarden.egress;

import dev.agentwarden.core.policy.network.Destination;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A response whose body is read as it arrives ({@link EgressClient#open}). The body is decoded
 * and capped; reads are bounded by the read timeout and the call's total timeout, and fail with
 * an {@link EgressException}. Closing it closes the connection (an unread rest is dropped).
 */
public final class EgressStream implements AutoCloseable {
  private final int status;
  private final List<Map.Entry<String, String>> headers;
  private final InputStream body;
  private final Destination destination;
  private final Runnable onClose;

  EgressStream(int status, List<Map.Entry<String, String>> headers, InputStream body, Destination destination,
      Runnable onClose) {
    this.status = status;
    this.headers = List.copyOf(headers);
    this.body = body;
    this.destination = destination;
    this.onClose = onClose;
  }

  public int status() {
    return status;
  }

  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /** The first value of a header, case-insensitively. */
  public Optional<String> header(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return headers.stream().filter(h -> h.getKey().toLowerCase(Locale.ROOT).equals(lower)).map(Map.Entry::getValue)
        .findFirst();
  }

  /** The decoded body; end of stream is the end of the response. */
  public InputStream body() {
    return body;
  }

  /** The checked destination the request went to. */
  public Destination destination() {
    return destination;
  }

  /**
   * The same response seen through filters: every header value mapped by {@code headerValue}, the
   * body read through {@code body}. Closing either closes the connection. For scrubbing what an
   * upstream echoes back before anyone reads it.
   */
  public EgressStream filtered(UnaryOperator<String> headerValue, UnaryOperator<InputStream> body) {
    List<Map.Entry<String, String>> mapped = headers.stream()
        .map(h -> Map.entry(h.getKey(), headerValue.apply(h.getValue()))).toList();
    return new EgressStream(status, mapped, body.apply(this.body), destination, onClose);
  }

  @Override
  public void close() {
    onClose.run();
  }
}
