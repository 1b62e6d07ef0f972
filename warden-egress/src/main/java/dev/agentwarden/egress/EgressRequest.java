package dev.agentwarden.egress;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One outbound request as the caller asked for it. The URL is a string on purpose: egress parses
 * it with the policy's parser, so there is no second opinion about what it means.
 *
 * @param method an HTTP method token, uppercased
 * @param url absolute http or https URL
 * @param headers caller headers in order; egress owns Host, Content-Length, Transfer-Encoding,
 *     Connection and the like, and refuses them here
 * @param body request body, empty for none
 */
public record EgressRequest(String method, String url, List<Map.Entry<String, String>> headers, byte[] body) {
  public EgressRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    method = method.toUpperCase(Locale.ROOT);
    if (!method.matches("[A-Z]{1,16}")) {
      throw new EgressException.InvalidRequest("method must be 1-16 letters");
    }
    if (method.equals("CONNECT") || method.equals("TRACE")) {
      throw new EgressException.InvalidRequest("method " + method + " is not allowed");
    }
    List<Map.Entry<String, String>> copy = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      Headers.checkCallerHeader(h.getKey(), h.getValue());
      copy.add(Map.entry(h.getKey(), h.getValue()));
    }
    headers = List.copyOf(copy);
    body = body.clone();
  }

  public static EgressRequest get(String url) {
    return new EgressRequest("GET", url, List.of(), new byte[0]);
  }

  public EgressRequest withHeader(String name, String value) {
    List<Map.Entry<String, String>> h = new ArrayList<>(headers);
    h.add(Map.entry(name, value));
    return new EgressRequest(method, url, h, body);
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  int bodyLength() {
    return body.length;
  }

  byte[] bodyUnsafe() {
    return body;
  }
}
