package dev.agentwarden.core.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What a key may do. Operators run the platform; the other roles act inside one tenant. */
public enum Role {
  OPERATOR,
  ADMIN,
  APPROVER,
  AUDITOR,
  AGENT;

  /** The lower-case name used on the wire and in the database. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role a tenant key may be given; the operator role is never issued through the API. */
  public static Optional<Role> tenantRole(String wireName) {
    return Arrays.stream(values())
        .filter(r -> r != OPERATOR && r.wireName().equals(wireName))
        .findFirst();
  }

  public static Role fromWire(String wireName) {
    return Arrays.stream(values())
        .filter(r -> r.wireName().equals(wireName))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown role: " + wireName));
  }
}
