package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogRedactionTest {
  @Test
  void credentialsOfManyKinds_neverSurviveRedaction() {
    // Split so the repository's own secret scan does not flag this file's fakes.
    String[] secrets = {
      "wdn_abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst_0123456789abcdefghijABCDEFGHIJ-_xyzw012",
      "AKIA" + "Z7Q3PLMNB4XW2KRT",
      "ghp_" + "R8bX2mQ9vLk3TzWp7YcN4hJfD6sA1eGuK0oI",
      "sk-proj-Zx9Qm2Lr8Tb4Wc7Yn3Kd6Hf1Jg5Ps0Va",
      "Bearer eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl",
    };
    for (String secret : secrets) {
      String line = "{\"msg\":\"request\",\"detail\":\"" + secret + "\"}";
      assertThat(LogRedaction.redact(line)).as(secret).doesNotContain(secret);
    }
    assertThat(LogRedaction.redact("password=hunter2hunter2 next")).doesNotContain("hunter2hunter2");
  }

  @Test
  void ordinaryFields_areLeftAlone_andRedactionIsIdempotent() {
    String line = "{\"msg\":\"request\",\"route\":\"/v1/keys/{id}\",\"status\":200,\"key_id\":\"5ddc989a-cdc3-4221-b59e-d8302a11e384\"}";
    assertThat(LogRedaction.redact(line)).isEqualTo(line);
    String once = LogRedaction.redact("token=abcdefghijklmnop");
    assertThat(LogRedaction.redact(once)).isEqualTo(once);
  }

  @Test
  void theCheapPatterns_maskEachKind_whateverItsCase_andKeepTheNameOfAKeyedValue() {
    String[][] cases = {
      {"key=wdn_abcdefgh12345678 x", "wdn_abcdefgh12345678"},
      {"h=BeArEr abcdefghijklmnop", "abcdefghijklmnop"},
      {"{\"Api-Key\": \"q9w8e7r6t5\"}", "q9w8e7r6t5"},
      {"PASSWORD = hunter2hunter2", "hunter2hunter2"},
      {"Authorization:xyzw1234", "xyzw1234"},
      {"id sk-ABCDEFGHIJKLMNOPqrstuv end", "sk-ABCDEFGHIJKLMNOPqrstuv"},
      {"AKIA" + "QX7R2M4KPL9WZT3N", "AKIA" + "QX7R2M4KPL9WZT3N"},
      {"ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"},
      {"-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----", "MIIB"},
    };
    for (String[] c : cases) {
      assertThat(LogRedaction.redactPatterns(c[0])).as(c[0]).doesNotContain(c[1]).contains("[REDACTED]");
    }
    assertThat(LogRedaction.redactPatterns("PASSWORD = hunter2hunter2")).isEqualTo("PASSWORD = [REDACTED]");
    String clean = "{\"route\":\"/v1/chat/completions\",\"status\":200,\"tenant\":\"0f1e\",\"ms\":3}";
    assertThat(LogRedaction.redactPatterns(clean)).isSameAs(clean);
  }
}
