package dev.agentwarden.egress;

import dev.agentwarden.core.policy.network.HttpUrl;
import dev.agentwarden.core.policy.network.NetworkDecision;

/** Sees every network decision egress makes, one per hop: the audit hook. */
@FunctionalInterface
public interface EgressListener {
  /**
   * @param hop 0 for the request, 1.. for redirect hops
   * @param method the method of this hop
   * @param url the URL of this hop when it parsed; otherwise the decision is an invalid_url deny
   */
  void onDecision(int hop, String method, java.util.Optional<HttpUrl> url, NetworkDecision decision);

  static EgressListener none() {
    return (hop, method, url, decision) -> {};
  }
}
