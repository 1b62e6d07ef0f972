package dev.agentwarden.egress;

import dev.agentwarden.core.policy.network.Destination;
import java.util.Map;

/**
 * Supplies brokered credential headers (for example {@code Authorization}) for a destination.
 * Egress calls it only after the policy allowed the destination, once per hop, with the checked
 * destination — so a credential can never be sent to a host the policy did not pass, nor
 * follow a redirect to another host unless the injector chooses that host too. Injected headers
 * replace caller headers of the same name.
 */
@FunctionalInterface
public interface CredentialInjector {
  Map<String, String> headersFor(Destination destination);

  /** Injects nothing. */
  static CredentialInjector none() {
    return d -> Map.of();
  }
}
