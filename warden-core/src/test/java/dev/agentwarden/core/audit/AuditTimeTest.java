package dev.agentwarden.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuditTimeTest {
  @Test
  void formatAndParse_roundTripAtMicrosecondPrecision() {
    Instant t = Instant.parse("2026-11-23T12:34:56.123456789Z");
    assertThat(AuditTime.format(t)).isEqualTo("2026-11-23T12:34:56.123456Z");
    assertThat(AuditTime.parse("2026-11-23T12:34:56.123456Z")).isEqualTo(Instant.parse("2026-11-23T12:34:56.123456Z"));
    assertThat(AuditTime.format(Instant.parse("2026-01-01T00:00:00Z"))).isEqualTo("2026-01-01T00:00:00.000000Z");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-11-23T12:34:56Z",
        "2026-11-23T12:34:56.123Z",
        "2026-11-23T12:34:56.123456+00:00",
        "2026-11-23 12:34:56.123456Z",
        "2026-02-30T00:00:00.000000Z",
        "2026-11-23T24:00:00.000000Z",
        "2026-11-23T12:34:56.12345xZ",
        "+026-11-23T12:34:56.123456Z",
        "",
      })
  void otherSpellingsAndImpossibleDates_areRefused(String s) {
    assertThatThrownBy(() -> AuditTime.parse(s)).isInstanceOf(AuditException.class);
    byte[] inLine = ("x" + s + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThatThrownBy(() -> AuditTime.parse(inLine, 1)).isInstanceOf(AuditException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"2026-11-23T12:34:56.123456Z", "2024-02-29T23:59:59.999999Z", "1970-01-01T00:00:00.000000Z"})
  void timestampsReadFromExportBytes_equalTheParsedString(String s) {
    byte[] inLine = ("{\"ts\":\"" + s + "\"}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(AuditTime.parse(inLine, 7)).isEqualTo(AuditTime.parse(s)).isEqualTo(Instant.parse(s));
  }

  @Test
  void hashValues_acceptOnlyLowerCaseHex() {
    String hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assertThat(HashValue.parse(hex).hex()).isEqualTo(hex);
    assertThatThrownBy(() -> HashValue.parse(hex.toUpperCase())).isInstanceOf(AuditException.class);
    assertThatThrownBy(() -> HashValue.parse(hex.substring(2))).isInstanceOf(AuditException.class);
    assertThatThrownBy(() -> HashValue.parse(hex.replace('e', 'g'))).isInstanceOf(AuditException.class);
  }
}
