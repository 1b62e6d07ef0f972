package dev.agentwarden.core.policy.network;

import java.util.List;
import java.util.Objects;

/**
 * A destination that passed the network policy: the URL as parsed, and the one address a
 * connection must be opened to. Host header and TLS server name come from {@code url}; the
 * socket goes to {@code address}, never to a fresh lookup of the name.
 *
 * @param url the parsed URL that was checked
 * @param address the checked address to connect to
 * @param resolved every address the name resolved to (all of them were checked)
 */
public record Destination(HttpUrl url, IpAddress address, List<IpAddress> resolved) {
  public Destination {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(address, "address");
    resolved = List.copyOf(resolved);
  }
}
