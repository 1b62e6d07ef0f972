package dev.agentwarden.core.policy.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random inputs assembled from the pieces SSRF payloads are made of. Properties: the
 * parser never throws anything but {@link InvalidUrlException}; a parsed URL's text parses back
 * to the same URL (so egress sends exactly what was checked); and under "any public
 * destination", with every name resolving to loopback, nothing non-public is ever allowed.
 */
class UrlParserPropertyTest {
  private static final String[] PIECES = {
    "http", "https", "HTTP", "file", "gopher", ":", "//", "/", "\\", "@", "?", "#", "%", "%2e", "%2E", "%25",
    "%31", "%32%37", "%00", "%zz", "%c0%ae", "[", "]", "::", "::ffff:", "64:ff9b::", "2002:", "fe80::1", "%25eth0",
    "127", "0", "1", "0x7f", "0X7F", "0177", "2130706433", "0x7f000001", "255", "256", "4294967295", "4294967296",
    "10", "169.254.169.254", "127.0.0.1", "8.8.8.8", ".", "..", "。", "｡", "．", "１", "localhost", "example.com",
    "user:pass", "a", "-", "_", "*", " ", "\t", "\n", "\r", "\u0000", "\u00a0", "\u200b", "ß", "ä", "xn--", "80",
    "443", "65535", "65536", "&", "=", "'", "\"", "<", "~", "\ud800",
  };

  private static final NetworkPolicy ANY_PUBLIC = NetworkPolicy.anyPublicDestination();
  private static final Resolver LOOPBACK = name -> List.of(IpAddress.parse("127.0.0.1").orElseThrow());

  @Test
  void randomSsrfShapedInputs_neverCrash_roundTrip_andNeverReachSpecialAddresses() {
    Random random = new Random(20261123L);
    int parsed = 0;
    for (int i = 0; i < 20_000; i++) {
      String input = randomInput(random);
      checkOne(input);
      try {
        HttpUrl.parse(input);
        parsed++;
      } catch (InvalidUrlException expected) {
        // refusals are fine
      }
    }
    // The generator must produce parseable URLs too, or the round-trip property is vacuous.
    assertThat(parsed).isGreaterThan(200);
  }

  static void checkOne(String input) {
    HttpUrl url;
    try {
      url = HttpUrl.parse(input);
    } catch (InvalidUrlException e) {
      require(!ANY_PUBLIC.check(input, LOOPBACK).allowed(), input, "refused URL was allowed");
      return;
    }
    HttpUrl again = HttpUrl.parse(url.toString());
    require(again.equals(url) && again.ipLiteral().equals(url.ipLiteral()), input, "does not round-trip: " + url + " vs " + again);
    NetworkDecision d = ANY_PUBLIC.check("GET", url, LOOPBACK);
    if (d.allowed()) {
      IpAddress to = d.destination().orElseThrow().address();
      require(AddressClassifier.classify(to).isPublic(), input, "allowed non-public " + to);
      require(url.ipLiteral().isPresent(), input, "allowed a name resolving to loopback");
    }
  }

  private static void require(boolean ok, String input, String what) {
    if (!ok) {
      throw new AssertionError(what + " for input " + escape(input));
    }
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return sb.toString();
  }

  private static String randomInput(Random random) {
    StringBuilder sb = new StringBuilder();
    int shape = random.nextInt(4);
    if (shape > 0) {
      sb.append(random.nextBoolean() ? "http://" : "https://");
    }
    if (shape == 2) {
      sb.append('[');
    }
    int n = 1 + random.nextInt(8);
    for (int i = 0; i < n; i++) {
      if (random.nextInt(6) == 0) {
        sb.append((char) random.nextInt(0x3000));
      } else {
        sb.append(PIECES[random.nextInt(PIECES.length)]);
      }
      if (shape == 3 && random.nextInt(3) == 0) {
        sb.append('.');
      }
    }
    if (shape == 2) {
      sb.append(']');
    }
    if (random.nextBoolean()) {
      sb.append(random.nextBoolean() ? ":" + random.nextInt(70000) : "");
      sb.append('/').append(PIECES[random.nextInt(PIECES.length)]);
    }
    return sb.toString();
  }
}
