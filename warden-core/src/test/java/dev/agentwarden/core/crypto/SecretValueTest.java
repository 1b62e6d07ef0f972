package dev.agentwarden.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretValueTest {
  private static final String KEY = "sk-proj-Zq8LmN3vXw2Yt6Rk9Jp4f3a9";

  @Test
  void toString_neverContainsTheClearValue() {
    SecretValue s = SecretValue.of(KEY);
    assertThat(s.toString()).doesNotContain(KEY).doesNotContain("Zq8L").isEqualTo("sk-\u2026f3a9");
    assertThat(String.valueOf(s)).isEqualTo(s.toString());
    assertThat("prefix " + s).doesNotContain(KEY);
  }

  @Test
  void reveal_returnsTheClearValueWithTheAccessToken() {
    SecretValue s = SecretValue.of(KEY);
    assertThat(s.reveal(InsecureSecretAccess.get())).isEqualTo(KEY);
    assertThat(s.revealUtf8(InsecureSecretAccess.get())).isEqualTo(KEY.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void reveal_withoutToken_isRefused() {
    SecretValue s = SecretValue.of(KEY);
    assertThatThrownBy(() -> s.reveal(null))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "secret_access_denied");
  }

  @Test
  void revealUtf8_returnsACopy_soWipingItKeepsTheSecret() {
    SecretValue s = SecretValue.of(KEY);
    byte[] copy = s.revealUtf8(InsecureSecretAccess.get());
    java.util.Arrays.fill(copy, (byte) 0);
    assertThat(s.reveal(InsecureSecretAccess.get())).isEqualTo(KEY);
  }

  @Test
  void ofUtf8_keepsACopy_soTheCallerMayWipeItsArray() {
    byte[] in = KEY.getBytes(StandardCharsets.UTF_8);
    SecretValue s = SecretValue.ofUtf8(in);
    java.util.Arrays.fill(in, (byte) 0);
    assertThat(s.reveal(InsecureSecretAccess.get())).isEqualTo(KEY);
  }

  @Test
  void equals_comparesValues_andHashCodeDoesNotDependOnTheValue() {
    assertThat(SecretValue.of(KEY)).isEqualTo(SecretValue.of(KEY));
    assertThat(SecretValue.of(KEY)).isNotEqualTo(SecretValue.of(KEY + "x"));
    assertThat(SecretValue.of(KEY)).isNotEqualTo(SecretValue.of("sk-proj-Zq8LmN3vXw2Yt6Rk9Jp4f3a8"));
    assertThat(SecretValue.of("a").hashCode()).isEqualTo(SecretValue.of("b").hashCode());
    assertThat(SecretValue.of(KEY)).isNotEqualTo(KEY);
  }

  @Test
  void masked_showsAtMostTheLastFourCharacters() {
    assertThat(SecretValue.of("sk-ant-api03-aaaaaaaaaaaaaaaaaaaaaaaaaaaaWXYZ").masked()).isEqualTo("sk-\u2026WXYZ");
    assertThat(SecretValue.of("ghp_1234567890abcdefghijABCD").masked()).isEqualTo("ghp_\u2026ABCD");
    assertThat(SecretValue.of("0123456789abcdefghijklmnop").masked()).isEqualTo("\u2026mnop");
  }

  @Test
  void masked_showsLessForShortSecrets() {
    assertThat(SecretValue.of("sk-abcdefghijkl").masked()).isEqualTo("\u2026kl"); // 15 chars
    assertThat(SecretValue.of("hunter2").masked()).isEqualTo("\u2026");
    assertThat(SecretValue.of("x").masked()).isEqualTo("\u2026");
    assertThat(SecretValue.of("abcdefghijk").masked()).isEqualTo("\u2026"); // 11 chars
    assertThat(SecretValue.of("abcdefghijkl").masked()).isEqualTo("\u2026kl"); // 12 chars
  }

  @Test
  void masked_neverSplitsASurrogatePair() {
    String s = "pässwörd-\uD83D\uDD11\uD83D\uDD11-0123456789";
    assertThat(SecretValue.of(s).masked()).isEqualTo("\u2026" + "6789");
    String emojiTail = "abcdefghijklmnopqrst\uD83D\uDD11\uD83D\uDD11";
    assertThat(SecretValue.of(emojiTail).masked()).isEqualTo("\u2026st\uD83D\uDD11\uD83D\uDD11");
  }

  @Test
  void masked_revealsAtMostAQuarterOfAnySecretOfTwelveOrMoreCharacters() {
    var rnd = new java.util.Random(42);
    for (int i = 0; i < 2000; i++) {
      int n = 1 + rnd.nextInt(80);
      var sb = new StringBuilder();
      for (int j = 0; j < n; j++) {
        sb.append((char) ('A' + rnd.nextInt(26)));
      }
      String masked = SecretValue.of(sb.toString()).masked();
      int shown = masked.length() - 1;
      assertThat(shown).isLessThanOrEqualTo(4);
      if (n < 12) {
        assertThat(shown).isZero();
      } else {
        assertThat(shown * 4).isLessThanOrEqualTo(n);
      }
    }
  }

  @Test
  void of_rejectsEmptyOversizedAndNullValues_withoutEchoingThem() {
    assertThatThrownBy(() -> SecretValue.of(""))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "invalid_secret");
    String big = "s".repeat(SecretValue.MAX_BYTES + 1);
    assertThatThrownBy(() -> SecretValue.of(big))
        .isInstanceOf(CryptoException.class)
        .hasMessageContaining(String.valueOf(SecretValue.MAX_BYTES))
        .hasMessageNotContaining("sss");
    assertThatThrownBy(() -> SecretValue.of(null)).isInstanceOf(CryptoException.class);
    assertThatThrownBy(() -> SecretValue.ofUtf8(new byte[] {(byte) 0xC3, 0x28}))
        .isInstanceOf(CryptoException.class)
        .hasMessageContaining("UTF-8");
  }

  @Test
  void scrub_replacesEveryEchoOfTheSecret() {
    SecretValue s = SecretValue.of(KEY);
    String body = "{\"auth\":\"Bearer " + KEY + "\",\"again\":\"" + KEY + "\"}";
    String scrubbed = s.scrub(body, "[redacted]");
    assertThat(scrubbed).doesNotContain(KEY).isEqualTo("{\"auth\":\"Bearer [redacted]\",\"again\":\"[redacted]\"}");
    assertThat(s.occursIn(body)).isTrue();
    assertThat(s.occursIn(scrubbed)).isFalse();
  }
}
