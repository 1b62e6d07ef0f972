package dev.agentwarden.egress;

import dev.agentwarden.core.policy.network.IpAddress;
import dev.agentwarden.core.policy.network.Resolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The operating system's resolver. Called once per decision; the policy checks every address it
 * returns and egress connects to a checked one, so a second, different answer (DNS rebinding)
 * is never used.
 */
public final class SystemResolver implements Resolver {
  private static final SystemResolver INSTANCE = new SystemResolver();

  private SystemResolver() {}

  public static Resolver instance() {
    return INSTANCE;
  }

  @Override
  public List<IpAddress> resolve(String hostName) {
    try {
      List<IpAddress> out = new ArrayList<>();
      for (InetAddress a : InetAddress.getAllByName(hostName)) {
        out.add(IpAddress.ofBytes(a.getAddress()));
      }
      return out;
    } catch (UnknownHostException e) {
      return List.of();
    }
  }
}
