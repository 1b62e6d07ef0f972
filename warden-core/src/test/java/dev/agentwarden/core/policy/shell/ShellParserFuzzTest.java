package dev.agentwarden.core.policy.shell;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer fuzz test of the shell parser and policy. In a normal build it replays the seed inputs in
 * {@code src/test/resources/.../ShellParserFuzzTestInputs/} (regression mode). To fuzz, bounded:
 * {@code JAZZER_FUZZ=1 ./mvnw -pl warden-core test -Dtest=ShellParserFuzzTest}. The property is
 * that of {@link ShellPolicyPropertyTest}: nothing escapes {@code evaluate}, and nothing the
 * quote-tracking oracle says must be denied is allowed.
 */
class ShellParserFuzzTest {

  @FuzzTest(maxExecutions = 200_000, maxDuration = "60s")
  void shellPolicy_neverCrashes_andNeverAllowsWhatTheOracleDenies(byte[] input) {
    ShellPolicyPropertyTest.checkOne(new String(input, StandardCharsets.UTF_8));
  }
}
