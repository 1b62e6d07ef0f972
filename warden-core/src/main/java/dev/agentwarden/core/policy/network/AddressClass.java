package dev.agentwarden.core.policy.network;

/**
 * What an address is for. Everything but {@link #PUBLIC} is a special-purpose address that a
 * name rule can never reach; only an allow rule naming the range by CIDR can.
 */
public enum AddressClass {
  PUBLIC("public"),
  UNSPECIFIED("unspecified"),
  THIS_NETWORK("\"this network\" (0.0.0.0/8)"),
  LOOPBACK("loopback"),
  PRIVATE("private"),
  CARRIER_GRADE_NAT("carrier-grade NAT"),
  LINK_LOCAL("link-local"),
  CLOUD_METADATA("cloud metadata"),
  MULTICAST("multicast"),
  BROADCAST("broadcast"),
  DOCUMENTATION("documentation"),
  BENCHMARKING("benchmarking"),
  RESERVED("reserved"),
  UNIQUE_LOCAL("unique local (ULA)"),
  SITE_LOCAL("site-local"),
  TEREDO("Teredo tunnel"),
  NAT64_LOCAL("local-use NAT64"),
  DISCARD("discard-only");

  private final String label;

  AddressClass(String label) {
    this.label = label;
  }

  /** Words for reasons shown to policy authors. */
  public String label() {
    return label;
  }
}
