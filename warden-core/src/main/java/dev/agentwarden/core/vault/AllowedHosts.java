package dev.agentwarden.core.vault;

import java.net.IDN;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The destinations a secret may be sent to. Deny by default: a host is permitted only when it
 * equals an entry, or when an entry {@code *.example.com} names a parent domain of it (the
 * wildcard covers subdomains, not {@code example.com} itself). Hosts compare case-insensitively
 * and without a trailing dot; ports and schemes are not part of the rule (the egress policy owns
 * those).
 *
 * @param hosts normalised entries, sorted, 1 to {@value #MAX_ENTRIES} of them
 */
public record AllowedHosts(List<String> hosts) {
  public static final int MAX_ENTRIES = 50;
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern IPV6 = Pattern.compile("\\[?[0-9a-f:.]+]?");

  public AllowedHosts {
    hosts = List.copyOf(hosts);
  }

  /**
   * Validates and normalises entries: DNS names (internationalised names in their ASCII form),
   * {@code *.}-prefixed DNS names, IPv4 or bracketed/unbracketed IPv6 literals.
   *
   * @throws VaultException {@code invalid_allowed_hosts} naming the first bad entry
   */
  public static AllowedHosts of(List<String> entries) {
    if (entries == null || entries.isEmpty()) {
      throw new VaultException(
          "invalid_allowed_hosts", "allowed_hosts must list at least one host the secret may be sent to");
    }
    if (entries.size() > MAX_ENTRIES) {
      throw new VaultException(
          "invalid_allowed_hosts",
          "allowed_hosts may list at most " + MAX_ENTRIES + " hosts, got " + entries.size());
    }
    var out = new TreeSet<String>();
    for (String e : entries) {
      out.add(normaliseEntry(e));
    }
    return new AllowedHosts(new ArrayList<>(out));
  }

  /** Whether a secret with this allow-list may be sent to {@code host}. */
  public boolean permits(String host) {
    String h;
    try {
      h = normaliseHost(host);
    } catch (VaultException e) {
      return false;
    }
    for (String entry : hosts) {
      if (entry.startsWith("*.")) {
        String parent = entry.substring(1); // ".example.com"
        if (h.endsWith(parent) && h.length() > parent.length()) {
          return true;
        }
      } else if (entry.equals(h)) {
        return true;
      }
    }
    return false;
  }

  private static String normaliseEntry(String entry) {
    if (entry == null) {
      throw bad("null");
    }
    String e = entry.strip();
    if (e.startsWith("*.")) {
      String rest = normaliseHost(e.substring(2));
      if (isIpLiteral(rest) || !rest.contains(".")) {
        // "*.com" would send the secret to a whole top-level domain.
        throw bad(entry);
      }
      return "*." + rest;
    }
    return normaliseHost(e);
  }

  static String normaliseHost(String host) {
    if (host == null || host.isEmpty() || host.length() > 253 + 2) {
      throw bad(host);
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.indexOf(':') >= 0 || h.startsWith("[")) {
      if (!IPV6.matcher(h).matches()) {
        throw bad(host);
      }
      String bare = h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
      return "[" + bare + "]";
    }
    var v4 = IPV4.matcher(h);
    if (v4.matches()) {
      for (int i = 1; i <= 4; i++) {
        if (Integer.parseInt(v4.group(i)) > 255 || (v4.group(i).length() > 1 && v4.group(i).startsWith("0"))) {
          throw bad(host);
        }
      }
      return h;
    }
    String ascii;
    try {
      ascii = IDN.toASCII(h, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException ex) {
      throw bad(host);
    }
    if (ascii.isEmpty() || ascii.length() > 253) {
      throw bad(host);
    }
    for (String label : ascii.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        throw bad(host);
      }
    }
    return ascii;
  }

  private static boolean isIpLiteral(String h) {
    return h.startsWith("[") || IPV4.matcher(h).matches();
  }

  private static VaultException bad(String entry) {
    String shown = entry == null ? "null" : entry.length() > 80 ? entry.substring(0, 80) + "..." : entry;
    return new VaultException(
        "invalid_allowed_hosts",
        "allowed_hosts entries must be host names, *.domain wildcards or IP addresses, got '" + shown + "'");
  }
}
