package dev.agentwarden.core.policy.network;

import java.util.List;

/**
 * Classifies an address by the IANA special-purpose registries (RFC 6890 and successors), plus
 * the well-known cloud metadata endpoints.
 *
 * <p>IPv6 forms that embed an IPv4 address (IPv4-mapped {@code ::ffff:0:0/96}, IPv4-compatible
 * {@code ::/96}, NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}) are classified by the IPv4
 * address they carry, because that is the host they reach: {@code [::ffff:127.0.0.1]} is
 * loopback. For mapped and compatible forms the connection goes to the embedded IPv4 address
 * itself; NAT64 and 6to4 addresses are dialled as IPv6 (the network translates them).
 */
final class AddressClassifier {
  private AddressClassifier() {}

  /**
   * The verdict on one address.
   *
   * @param address the address as resolved or written
   * @param connectTo the address a socket should be opened to
   * @param addressClass what the address (or the IPv4 address it embeds) is for
   * @param range the special range that matched, for reasons; empty for public addresses
   */
  record Classified(IpAddress address, IpAddress connectTo, AddressClass addressClass, String range) {
    boolean isPublic() {
      return addressClass == AddressClass.PUBLIC;
    }

    String describe() {
      String where = address.equals(connectTo) ? address.toString() : address + " (" + connectTo + ")";
      return addressClass == AddressClass.PUBLIC
          ? where + " is public"
          : where + " is " + addressClass.label() + " (" + range + ")";
    }
  }

  private record Range(Cidr cidr, AddressClass addressClass) {}

  private static Range r(String cidr, AddressClass c) {
    return new Range(Cidr.parse(cidr), c);
  }

  // Order matters: more specific entries (metadata hosts) come before the ranges holding them.
  private static final List<Range> V4 =
      List.of(
          r("169.254.169.254/32", AddressClass.CLOUD_METADATA), // AWS, GCP, Azure, OpenStack, Oracle
          r("169.254.170.2/32", AddressClass.CLOUD_METADATA), // AWS ECS task metadata
          r("169.254.169.253/32", AddressClass.CLOUD_METADATA), // AWS VPC DNS
          r("169.254.169.123/32", AddressClass.CLOUD_METADATA), // AWS time sync
          r("100.100.100.200/32", AddressClass.CLOUD_METADATA), // Alibaba Cloud
          r("168.63.129.16/32", AddressClass.CLOUD_METADATA), // Azure wire server (public range!)
          r("192.0.0.192/32", AddressClass.CLOUD_METADATA), // Oracle Cloud legacy
          r("0.0.0.0/32", AddressClass.UNSPECIFIED),
          r("0.0.0.0/8", AddressClass.THIS_NETWORK),
          r("10.0.0.0/8", AddressClass.PRIVATE),
          r("100.64.0.0/10", AddressClass.CARRIER_GRADE_NAT),
          r("127.0.0.0/8", AddressClass.LOOPBACK),
          r("169.254.0.0/16", AddressClass.LINK_LOCAL),
          r("172.16.0.0/12", AddressClass.PRIVATE),
          r("192.0.0.0/24", AddressClass.RESERVED), // IETF protocol assignments
          r("192.0.2.0/24", AddressClass.DOCUMENTATION),
          r("192.31.196.0/24", AddressClass.RESERVED), // AS112
          r("192.52.193.0/24", AddressClass.RESERVED), // AMT
          r("192.88.99.0/24", AddressClass.RESERVED), // deprecated 6to4 relay anycast
          r("192.168.0.0/16", AddressClass.PRIVATE),
          r("192.175.48.0/24", AddressClass.RESERVED), // AS112 direct delegation
          r("198.18.0.0/15", AddressClass.BENCHMARKING),
          r("198.51.100.0/24", AddressClass.DOCUMENTATION),
          r("203.0.113.0/24", AddressClass.DOCUMENTATION),
          r("224.0.0.0/4", AddressClass.MULTICAST),
          r("255.255.255.255/32", AddressClass.BROADCAST),
          r("240.0.0.0/4", AddressClass.RESERVED));

  private static final List<Range> V6 =
      List.of(
          r("fd00:ec2::254/128", AddressClass.CLOUD_METADATA), // AWS IMDS over IPv6
          r("fd00:ec2::23/128", AddressClass.CLOUD_METADATA), // AWS time sync / DNS over IPv6
          r("fd20:ce::254/128", AddressClass.CLOUD_METADATA), // GCP metadata over IPv6
          r("::/128", AddressClass.UNSPECIFIED),
          r("::1/128", AddressClass.LOOPBACK),
          r("64:ff9b:1::/48", AddressClass.NAT64_LOCAL),
          r("100::/64", AddressClass.DISCARD),
          r("2001::/32", AddressClass.TEREDO),
          r("2001:2::/48", AddressClass.BENCHMARKING),
          r("2001:db8::/32", AddressClass.DOCUMENTATION),
          r("2001::/23", AddressClass.RESERVED), // IETF protocol assignments (ORCHID etc.)
          r("3fff::/20", AddressClass.DOCUMENTATION),
          r("fc00::/7", AddressClass.UNIQUE_LOCAL),
          r("fe80::/10", AddressClass.LINK_LOCAL),
          r("fec0::/10", AddressClass.SITE_LOCAL),
          r("ff00::/8", AddressClass.MULTICAST));

  private static final Cidr GLOBAL_UNICAST = Cidr.parse("2000::/3");
  private static final Cidr MAPPED = Cidr.parse("::ffff:0:0/96");
  private static final Cidr COMPATIBLE = Cidr.parse("::/96");
  private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
  private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");

  static Classified classify(IpAddress ip) {
    if (ip.isV4()) {
      return classifyV4(ip, ip, "");
    }
    if (MAPPED.contains(ip)) {
      IpAddress v4 = IpAddress.ofV4((int) ip.lo());
      return classifyV4(ip, v4, "IPv4-mapped ");
    }
    for (Range range : V6) {
      if (range.cidr().contains(ip)) {
        return new Classified(ip, ip, range.addressClass(), range.cidr().toString());
      }
    }
    if (COMPATIBLE.contains(ip)) {
      IpAddress v4 = IpAddress.ofV4((int) ip.lo());
      return classifyV4(ip, v4, "IPv4-compatible ");
    }
    if (NAT64.contains(ip)) {
      Classified inner = classifyV4(IpAddress.ofV4((int) ip.lo()), IpAddress.ofV4((int) ip.lo()), "");
      return embedded(ip, ip, inner, "NAT64 ");
    }
    if (SIX_TO_FOUR.contains(ip)) {
      IpAddress v4 = IpAddress.ofV4((int) (ip.hi() >>> 16));
      return embedded(ip, ip, classifyV4(v4, v4, ""), "6to4 ");
    }
    if (!GLOBAL_UNICAST.contains(ip)) {
      return new Classified(ip, ip, AddressClass.RESERVED, "outside 2000::/3");
    }
    return new Classified(ip, ip, AddressClass.PUBLIC, "");
  }

  private static Classified classifyV4(IpAddress written, IpAddress v4, String via) {
    for (Range range : V4) {
      if (range.cidr().contains(v4)) {
        String where = via.isEmpty() ? range.cidr().toString() : via + "form of " + v4 + " in " + range.cidr();
        return new Classified(written, v4, range.addressClass(), where);
      }
    }
    return new Classified(written, v4, AddressClass.PUBLIC, "");
  }

  private static Classified embedded(IpAddress written, IpAddress connectTo, Classified inner, String via) {
    if (inner.isPublic()) {
      return new Classified(written, connectTo, AddressClass.PUBLIC, "");
    }
    return new Classified(
        written,
        connectTo,
        inner.addressClass(),
        via + "address embedding " + inner.address() + " in " + inner.range());
  }
}
