package dev.agentwarden.core.scan.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentwarden.core.scan.Finding;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretScannerTest {
  private final SecretScanner scanner = SecretScanner.standard();

  // Built from parts so this source file does not itself look like it holds a key.
  private static final String AWS_KEY = "AKIA" + "Q3EGRIFWWBHB7ZK4";
  private static final String WARDEN_KEY = "wdn_" + "k3y1d0042_" + "Zq8rT2mXw9LbV4nC7pYs1HdK6fJ0aGe3";

  @Test
  void bundledTable_hasAtLeastTwoHundredRules() {
    assertThat(scanner.ruleIds()).hasSizeGreaterThanOrEqualTo(200).doesNotHaveDuplicates();
  }

  @Test
  void awsAccessKey_isFoundWithRuleIdSpanAndConfidence() {
    String text = "aws_access_key_id = " + AWS_KEY + "\n";
    List<Finding> findings = scanner.scan(text);
    assertThat(findings).singleElement().satisfies(f -> {
      assertThat(f.ruleId()).isEqualTo("aws-access-key-id");
      assertThat(text.substring(f.start(), f.end())).isEqualTo(AWS_KEY);
      assertThat(f.confidence()).isBetween(0.5, 1.0);
      assertThat(f.description()).doesNotContain(AWS_KEY);
    });
  }

  @Test
  void wardenApiKey_isFound() {
    assertThat(scanner.scan("Authorization: Bearer " + WARDEN_KEY))
        .anySatisfy(f -> assertThat(f.ruleId()).isEqualTo("agentwarden-api-key"));
  }

  @Test
  void redaction_keepsStructureAndIsIdempotent() {
    String text = "key=" + AWS_KEY + "\ntoken: \"" + WARDEN_KEY + "\"\n";
    String once = scanner.redact(text);
    assertThat(once).isEqualTo("key=AKIA\u2026[REDACTED:aws-access-key-id]\ntoken: \"wdn_\u2026[REDACTED:agentwarden-api-key]\"\n");
    assertThat(scanner.redact(once)).isEqualTo(once);
    assertThat(scanner.scan(once)).isEmpty();
  }

  @Test
  void placeholdersAndTemplates_areNotSecrets() {
    assertThat(scanner.scan("aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}")).isEmpty();
    assertThat(scanner.scan("password = \"<your-password-here>\"")).isEmpty();
    assertThat(scanner.scan("AKIAXXXXXXXXXXXXXXXX")).isEmpty();
  }

  @Test
  void assignmentCheck_passesNamesFollowedByAnOperatorOnly() {
    assertThat(SecretScanner.assignmentFollows("api_key = x", 7)).isTrue();
    assertThat(SecretScanner.assignmentFollows("\"github.client_secret\" : x", 7)).isTrue();
    assertThat(SecretScanner.assignmentFollows("if secret != 'x'", 9)).isTrue();
    assertThat(SecretScanner.assignmentFollows("SONAR_TOKEN ?= x", 11)).isTrue();
    // Form feed and vertical tab are whitespace to the rules' regexes, so to the check too.
    assertThat(SecretScanner.assignmentFollows("api_key\f= x", 7)).isTrue();
    assertThat(SecretScanner.assignmentFollows("api_key\u000B= x", 7)).isTrue();
    assertThat(SecretScanner.assignmentFollows("[\"key\", \"value\"]", 5)).isTrue();
    assertThat(SecretScanner.assignmentFollows("token: x", 6)).isTrue();
    assertThat(SecretScanner.assignmentFollows("String key = map.getKey();", 23)).isFalse();
    assertThat(SecretScanner.assignmentFollows("for (Token token : tokens)", 10)).isFalse();
    assertThat(SecretScanner.assignmentFollows("the secret", 10)).isFalse();
    // A name longer than the check looks is let through, never skipped.
    assertThat(SecretScanner.assignmentFollows("key" + "_x".repeat(40) + " (", 3)).isTrue();
  }

  @Test
  void mixedCaseHex_isTypedNotGenerated() {
    assertThat(CandidateChecks.isMixedCaseHex("9fA3c07bE61d24aF8c05b9e3D7a41f6c")).isTrue();
    assertThat(CandidateChecks.isMixedCaseHex("9fa3c07be61d24af8c05b9e3d7a41f6c")).isFalse();
    assertThat(CandidateChecks.isMixedCaseHex("9FA3C07BE61D24AF8C05B9E3D7A41F6C")).isFalse();
    assertThat(CandidateChecks.isMixedCaseHex("9fA3c07bE61d24aF8c05b9e3D7a41f6g")).isFalse();
    assertThat(CandidateChecks.isMixedCaseHex("9fA3c07bE61d")).isFalse();
  }

  @Test
  void aSequentialRunInsideAnOtherwiseRandomToken_doesNotExemptIt() {
    // A hand-edited copy of a real key is still a key; only filler as a whole is a placeholder.
    String okta = "00" + "Rk7vQ2m" + "ABCDEFGHIJKL" + "x9LpT3wZc8NbY4hS6dJ1f";
    assertThat(scanner.scan("okta_api_token = " + okta)).isNotEmpty();
    assertThat(scanner.scan("okta_api_token = 00xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")).isEmpty();
    // Most of an alphabet typed out is filler wherever it sits.
    assertThat(scanner.scan("okta_api_token = 00" + "abcdefghijklmnopqrstuvwxyz" + "Q2m7vRk9LpT3wZ")).isEmpty();
  }

  @Test
  void githubChecksum_raisesConfidenceOnlyWhenValid() {
    String random = "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1";
    String valid = "ghp_" + random + CandidateChecks.base62(crc(random), 6);
    String invalid = "ghp_" + random + "000000";
    assertThat(scanner.scan(valid)).singleElement().satisfies(f -> assertThat(f.confidence()).isEqualTo(0.99));
    assertThat(scanner.scan(invalid)).singleElement().satisfies(f -> assertThat(f.confidence()).isLessThan(0.7));
  }

  private static long crc(String s) {
    java.util.zip.CRC32 c = new java.util.zip.CRC32();
    c.update(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return c.getValue();
  }

  @Test
  void overlappingFindings_areMergedIntoOne() {
    Finding a = new Finding(dev.agentwarden.core.scan.ScanKind.SECRETS, "a", 0, 10, 0.5, "a");
    Finding b = new Finding(dev.agentwarden.core.scan.ScanKind.SECRETS, "b", 5, 20, 0.9, "b");
    Finding c = new Finding(dev.agentwarden.core.scan.ScanKind.SECRETS, "c", 30, 40, 0.7, "c");
    assertThat(SecretScanner.merge(List.of(c, b, a)))
        .extracting(Finding::ruleId, Finding::start, Finding::end)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("b", 0, 20), org.assertj.core.groups.Tuple.tuple("c", 30, 40));
  }

  @Test
  void jwt_needsJsonHeaderAndPayload() {
    String header = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"HS256\"}".getBytes());
    String payload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"sub\":\"42\",\"n\":\"x\"}".getBytes());
    assertThat(scanner.scan(header + "." + payload + ".c2lnbmF0dXJlLXZhbHVl"))
        .anySatisfy(f -> assertThat(f.ruleId()).isEqualTo("jwt"));
    assertThat(scanner.scan("eyJub3Rqc29uIGF0IGFsbA.eyJub3Rqc29uIGVpdGhlcg.abc")).isEmpty();
  }

  @Test
  void textWithoutKeywords_isNotSearchedAndYieldsNothing() {
    assertThat(scanner.scan("The quick brown fox jumps over the lazy dog. ".repeat(1000))).isEmpty();
  }

  @Test
  void passwordsInConnectionStrings_countEvenWhenTheyAreStandInWords() {
    assertThat(scanner.scan("DATABASE_URL=postgresql://app:" + "secret" + "@db.internal:5432/app"))
        .anySatisfy(f -> assertThat(f.ruleId()).isEqualTo("postgres-url-password"));
    assertThat(scanner.scan("DATABASE_URL=postgresql://app:${DB_PASSWORD}@db.internal:5432/app")).isEmpty();
    assertThat(scanner.scan("credentials {\n  username 'deploy'\n  password '" + "password" + "'\n}"))
        .anySatisfy(f -> assertThat(f.ruleId()).isEqualTo("gradle-credentials"));
    // Outside a connection string a stand-in word stays an example.
    assertThat(scanner.scan("password = \"" + "secret" + "\"")).isEmpty();
  }

  @Test
  void genericAssignments_skipTypedExamplesAndNonRandomUuids() {
    assertThat(scanner.scan("api_key = \"" + "a1b2c3d4e5f6g7h8i9j0k1" + "\"")).isEmpty();
    assertThat(scanner.scan("secret_key = \"" + "Xq81234567" + "890Lmz" + "\"")).isEmpty();
    assertThat(scanner.scan("auth_token=" + "743b294a-cd03-" + "11ec-9d64-0242ac120002")).isEmpty();
    assertThat(scanner.scan("auth_token=" + "dafa7817-e246-" + "48f3-91a7-e87653d587b8"))
        .anySatisfy(f -> assertThat(f.ruleId()).isEqualTo("generic-api-key"));
    assertThat(scanner.scan("GetEnvOrDefault(\"api_token\", \"" + "Zx9Qw2Lm7Rt4Kp1V" + "b8Nc3Hd6\")"))
        .anySatisfy(f -> assertThat(f.ruleId()).isEqualTo("generic-api-key"));
  }

  @Test
  void shortHexTokens_needLessEntropyThanMixedAlphabetOnes() {
    assertThat(scanner.scan("curl -H \"Token: " + "3fea6af1" + "349166ea\" https://api.example.org"))
        .anySatisfy(f -> assertThat(f.ruleId()).isEqualTo("http-authorization-token"));
  }

  @Test
  void jwt_toleratesOneMangledHeaderByteButNotATruncatedHeader() {
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String payload = b64.encodeToString("{\"sub\":\"1234567890\",\"name\":\"John\"}".getBytes());
    String mangled = b64.encodeToString("{\"alg\":\u0001\"HS256\",\"typ\":\"JWT\"}".getBytes());
    String truncated = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"".getBytes());
    assertThat(scanner.scan(mangled + "." + payload + ".c2lnbmF0dXJl"))
        .anySatisfy(f -> assertThat(f.ruleId()).isEqualTo("jwt"));
    assertThat(scanner.scan(truncated + "." + payload + ".c2lnbmF0dXJl")).isEmpty();
  }

  @Test
  void fillInSlots_areExamplesButBracketsInsideARandomValueAreNot() {
    assertThat(scanner.scan("jwt_secret: \"<your-signing-key>\"")).isEmpty();
    assertThat(scanner.scan("jwt_secret: \"" + "7`D}/vYR)T;W5]EB" + "rf;_&k>qX??]G&3CF" + "\""))
        .anySatisfy(f -> assertThat(f.ruleId()).isEqualTo("jwt-secret"));
  }
}
