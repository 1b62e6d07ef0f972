package dev.agentwarden.mcp;

import dev.agentwarden.core.vault.BrokeredSecret;
import dev.agentwarden.core.vault.StreamScrubber;
import dev.agentwarden.egress.EgressClient;
import dev.agentwarden.egress.EgressRequest;
import dev.agentwarden.egress.EgressStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The egress client of one upstream connection together with the upstream tokens its requests
 * carried. An upstream that echoes its token (in a header, or in a result, even split across the
 * chunks of an event stream) is answered through a sliding-window scrubber, so the gateway itself
 * never reads the token and it cannot reach an agent, a log or the audit chain.
 */
final class ScrubbingEgress {
  private final EgressClient client;
  private final List<BrokeredSecret> released;

  private ScrubbingEgress(EgressClient client, List<BrokeredSecret> released) {
    this.client = client;
    this.released = released;
  }

  /** {@code client}'s credential injector adds every secret it releases to {@code released}. */
  static ScrubbingEgress of(EgressClient client, CopyOnWriteArrayList<BrokeredSecret> released) {
    return new ScrubbingEgress(client, released);
  }

  EgressStream open(EgressRequest request) {
    EgressStream stream = client.open(request);
    if (released.isEmpty()) {
      return stream;
    }
    List<BrokeredSecret> secrets = List.copyOf(released);
    return stream.filtered(value -> scrub(value, secrets), body -> StreamScrubber.scrubbing(body, secrets));
  }

  private static String scrub(String text, List<BrokeredSecret> secrets) {
    String out = text;
    for (BrokeredSecret s : secrets) {
      out = s.scrub(out);
    }
    return out;
  }
}
