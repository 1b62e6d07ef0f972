package dev.agentwarden.core.policy.network;

import java.util.List;
import java.util.Map;

/**
 * Turns a host name into the addresses it resolves to. The policy resolves a name exactly once
 * per decision and checks every address, so the implementation may be the system resolver
 * (in {@code warden-egress}), or a fixed table in tests and corpus evaluations.
 *
 * <p>An empty list means the name does not resolve. A runtime exception is treated the same
 * way: the decision denies.
 */
@FunctionalInterface
public interface Resolver {
  List<IpAddress> resolve(String hostName);

  /** A resolver that answers from a fixed table; names not in it do not resolve. */
  static Resolver fixed(Map<String, List<IpAddress>> table) {
    Map<String, List<IpAddress>> copy = Map.copyOf(table);
    return name -> copy.getOrDefault(name, List.of());
  }

  /** A resolver that resolves nothing: only IP-literal URLs can be decided with it. */
  static Resolver none() {
    return name -> List.of();
  }
}
