package dev.agentwarden.egress;

import java.util.Locale;
import java.util.Set;

/** Header name and value rules shared by requests and responses. */
final class Headers {
  private Headers() {}

  /** Headers egress writes itself; a caller setting them could smuggle or redirect a request. */
  static final Set<String> OWNED =
      Set.of(
          "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
          "trailer", "expect", "proxy-connection", "proxy-authorization", "accept-encoding");

  /** Headers dropped when a redirect leaves the origin. */
  static final Set<String> ORIGIN_BOUND = Set.of("authorization", "cookie", "proxy-authorization");

  static void checkCallerHeader(String name, String value) {
    checkName(name);
    if (OWNED.contains(name.toLowerCase(Locale.ROOT))) {
      throw new EgressException.InvalidRequest("header " + name + " is set by egress, not by the caller");
    }
    checkValue(name, value);
  }

  static void checkName(String name) {
    if (name.isEmpty() || name.length() > 256) {
      throw new EgressException.InvalidRequest("header name must be 1-256 characters");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!token) {
        throw new EgressException.InvalidRequest("header name contains an invalid character");
      }
    }
  }

  static void checkValue(String name, String value) {
    if (value.length() > 16_384) {
      throw new EgressException.InvalidRequest("header " + name + " is longer than 16384 characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7F || c > 0xFF) {
        throw new EgressException.InvalidRequest("header " + name + " contains a control or non-Latin-1 character");
      }
    }
  }
}
