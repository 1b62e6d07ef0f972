package dev.agentwarden.core.policy.network;

import dev.agentwarden.core.policy.PolicyException;

/** An address range such as {@code 10.1.0.0/16} or {@code fd00::/8}. Immutable. */
public final class Cidr {
  private final IpAddress base;
  private final int prefix;
  private final long maskHi;
  private final long maskLo;

  private Cidr(IpAddress base, int prefix) {
    int bits = base.isV4() ? 32 : 128;
    if (prefix < 0 || prefix > bits) {
      throw new PolicyException("CIDR prefix must be 0.." + bits + ", got " + prefix);
    }
    this.prefix = prefix;
    if (base.isV4()) {
      this.maskHi = 0;
      this.maskLo = prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL;
    } else {
      this.maskHi = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
      this.maskLo = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
    }
    // Store the network address so that equal ranges compare and print equal.
    this.base =
        base.isV4()
            ? IpAddress.ofV4((int) (base.lo() & maskLo))
            : IpAddress.ofV6(base.hi() & maskHi, base.lo() & maskLo);
  }

  /**
   * Parses {@code address/prefix}; a bare address means a single host (/32 or /128). Host bits
   * set below the prefix are rejected, because {@code 10.0.0.1/8} usually hides a typo.
   */
  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    String addr = slash < 0 ? text : text.substring(0, slash);
    IpAddress ip =
        IpAddress.parse(addr)
            .orElseThrow(() -> new PolicyException("not an IP address in CIDR '" + text + "'"));
    int bits = ip.isV4() ? 32 : 128;
    int prefix = bits;
    if (slash >= 0) {
      String p = text.substring(slash + 1);
      if (!p.matches("[0-9]{1,3}")) {
        throw new PolicyException("bad prefix length in CIDR '" + text + "'");
      }
      prefix = Integer.parseInt(p);
    }
    if (prefix > bits) {
      throw new PolicyException("prefix length of CIDR '" + text + "' must be 0.." + bits);
    }
    Cidr cidr = new Cidr(ip, prefix);
    if (!cidr.base.equals(ip)) {
      throw new PolicyException(
          "CIDR '" + text + "' has host bits set; did you mean " + cidr + "?");
    }
    return cidr;
  }

  static Cidr of(IpAddress base, int prefix) {
    return new Cidr(base, prefix);
  }

  /** Whether the address is inside this range; an address of the other family never is. */
  public boolean contains(IpAddress ip) {
    if (ip.isV4() != base.isV4()) {
      return false;
    }
    return (ip.hi() & maskHi) == base.hi() && (ip.lo() & maskLo) == base.lo();
  }

  public int prefix() {
    return prefix;
  }

  @Override
  public String toString() {
    return base + "/" + prefix;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.base.equals(base) && c.prefix == prefix;
  }

  @Override
  public int hashCode() {
    return base.hashCode() * 31 + prefix;
  }
}
