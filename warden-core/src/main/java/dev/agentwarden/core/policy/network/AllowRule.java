package dev.agentwarden.core.policy.network;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One compiled allow entry: a host pattern or a CIDR range, the schemes and ports it opens, and
 * optional L7 rules. Exactly one of {@code host} and {@code cidr} is present.
 */
record AllowRule(
    String id,
    Optional<String> host,
    Optional<Cidr> cidr,
    Set<String> schemes,
    PortSet ports,
    List<HttpRule> http) {

  boolean opens(HttpUrl url) {
    return schemes.contains(url.scheme()) && ports.contains(url.port(), url.scheme());
  }

  /** Host patterns: "*" (any destination), "*.suffix" (strict subdomains), or an exact host. */
  boolean hostMatches(HttpUrl url) {
    if (host.isEmpty()) {
      return false;
    }
    String pattern = host.get();
    if (pattern.equals("*")) {
      return true;
    }
    if (pattern.startsWith("*.")) {
      // A suffix never matches an IP literal: "*.0.1" must not open 10.0.0.1.
      return url.ipLiteral().isEmpty() && url.host().endsWith(pattern.substring(1));
    }
    return url.host().equals(pattern);
  }

  boolean httpAllows(String method, HttpUrl url) {
    if (http.isEmpty()) {
      return true;
    }
    for (HttpRule rule : http) {
      if (rule.matches(method, url.path())) {
        return true;
      }
    }
    return false;
  }

  String describeTarget() {
    return host.map(h -> "host " + h).orElseGet(() -> "cidr " + cidr.orElseThrow());
  }
}
