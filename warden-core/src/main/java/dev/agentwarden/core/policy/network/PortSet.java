package dev.agentwarden.core.policy.network;

import dev.agentwarden.core.policy.PolicyException;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports a rule opens: explicit ports and ranges ({@code 443}, {@code "8000-8999"}, {@code "*"}),
 * or, when the rule names none, the default port of each scheme it allows (80, 443).
 */
final class PortSet {
  private static final PortSet SCHEME_DEFAULTS = new PortSet(List.of(), true);
  private final List<int[]> ranges;
  private final boolean schemeDefaults;

  private PortSet(List<int[]> ranges, boolean schemeDefaults) {
    this.ranges = ranges;
    this.schemeDefaults = schemeDefaults;
  }

  static PortSet schemeDefaults() {
    return SCHEME_DEFAULTS;
  }

  static PortSet of(List<String> specs) {
    if (specs.isEmpty()) {
      return SCHEME_DEFAULTS;
    }
    List<int[]> ranges = new ArrayList<>();
    for (String spec : specs) {
      String s = spec.trim();
      if (s.equals("*")) {
        ranges.add(new int[] {1, 65535});
        continue;
      }
      int dash = s.indexOf('-');
      int lo = port(dash < 0 ? s : s.substring(0, dash), spec);
      int hi = dash < 0 ? lo : port(s.substring(dash + 1), spec);
      if (hi < lo) {
        throw new PolicyException("port range '" + spec + "' is empty");
      }
      ranges.add(new int[] {lo, hi});
    }
    return new PortSet(List.copyOf(ranges), false);
  }

  private static int port(String s, String spec) {
    if (!s.matches("[0-9]{1,5}")) {
      throw new PolicyException("port '" + spec + "' must be 1-65535, a range 'a-b', or '*'");
    }
    int p = Integer.parseInt(s);
    if (p < 1 || p > 65535) {
      throw new PolicyException("port '" + spec + "' must be 1-65535");
    }
    return p;
  }

  boolean contains(int port, String scheme) {
    if (schemeDefaults) {
      return port == (scheme.equals("https") ? 443 : 80);
    }
    for (int[] r : ranges) {
      if (port >= r[0] && port <= r[1]) {
        return true;
      }
    }
    return false;
  }
}
