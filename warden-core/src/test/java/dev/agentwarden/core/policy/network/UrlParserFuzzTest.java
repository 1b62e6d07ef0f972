package dev.agentwarden.core.policy.network;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer fuzz test of the URL parser and the network decision. In a normal build it replays the
 * seed inputs in {@code src/test/resources/.../UrlParserFuzzTestInputs/} (regression mode). To
 * fuzz, bounded: {@code JAZZER_FUZZ=1 ./mvnw -pl warden-core test -Dtest=UrlParserFuzzTest}.
 * The properties are those of {@link UrlParserPropertyTest}: only {@link InvalidUrlException}
 * escapes the parser, a parsed URL round-trips through its text, and nothing non-public is
 * allowed under "any public destination" when every name resolves to loopback.
 */
class UrlParserFuzzTest {

  @FuzzTest(maxExecutions = 200_000, maxDuration = "60s")
  void urlParser_neverCrashes_roundTrips_andNeverAllowsASpecialAddress(byte[] input) {
    // Raw bytes as UTF-8 (invalid sequences become U+FFFD), so seed files are plain URLs.
    UrlParserPropertyTest.checkOne(new String(input, StandardCharsets.UTF_8));
  }
}
