package dev.agentwarden.egress;

import dev.agentwarden.core.policy.network.Destination;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A complete response, its body read within the size cap.
 *
 * @param status HTTP status code
 * @param headers response headers in order, names as received
 * @param destination the checked destination of the last hop (URL and the address connected to)
 * @param redirects how many redirects were followed
 */
public record EgressResponse(int status, List<Map.Entry<String, String>> headers, byte[] body, Destination destination, int redirects) {
  public EgressResponse {
    headers = List.copyOf(headers);
    body = body.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  /** The first value of a header, case-insensitively. */
  public Optional<String> header(String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return Optional.of(h.getValue());
      }
    }
    return Optional.empty();
  }

  /** Every value of a header, case-insensitively. */
  public List<String> headerValues(String name) {
    List<String> out = new ArrayList<>();
    String lower = name.toLowerCase(Locale.ROOT);
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().toLowerCase(Locale.ROOT).equals(lower)) {
        out.add(h.getValue());
      }
    }
    return out;
  }
}
