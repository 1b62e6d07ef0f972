package dev.agentwarden.core.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecretRefAndInjectionTest {
  @Test
  void parse_roundTripsTheVaultUri() {
    SecretRef ref = SecretRef.parse("vault://openai-prod");
    assertThat(ref.name()).isEqualTo("openai-prod");
    assertThat(ref.uri()).isEqualTo("vault://openai-prod");
    assertThat(SecretRef.isReference("vault://x")).isTrue();
    assertThat(SecretRef.isReference("sk-abc")).isFalse();
  }

  @Test
  void badNamesAndReferences_areRejected_withoutEchoingLongValues() {
    assertThatThrownBy(() -> SecretRef.parse("openai")).hasFieldOrPropertyWithValue("code", "invalid_secret_ref");
    for (String bad : new String[] {"", "Upper", "-x", "a/b", "a b", "x".repeat(129), "a\nb"}) {
      assertThatThrownBy(() -> new SecretRef(bad)).as(bad).hasFieldOrPropertyWithValue("code", "invalid_secret_name");
    }
    String pastedKey = "sk-proj-" + "Q".repeat(60);
    assertThatThrownBy(() -> new SecretRef(pastedKey)).hasMessageNotContaining("QQQQ");
  }

  @Test
  void injection_defaultsToBearerAuthorization_andBareValueForOtherHeaders() {
    assertThat(Injection.forHeader(Optional.empty(), Optional.empty())).isEqualTo(Injection.BEARER);
    assertThat(Injection.forHeader(Optional.of("x-api-key"), Optional.empty())).isEqualTo(new Injection("x-api-key", ""));
    assertThat(Injection.forHeader(Optional.of("Authorization"), Optional.of("Token ")).prefix()).isEqualTo("Token ");
  }

  @Test
  void injection_refusesHeadersTheClientOwnsAndHeaderSplitting() {
    for (String bad : new String[] {"Host", "content-length", "Cookie", "X: y", "X\r\nY", ""}) {
      assertThatThrownBy(() -> new Injection(bad, "")).as(bad).hasFieldOrPropertyWithValue("code", "invalid_header");
    }
    assertThatThrownBy(() -> new Injection("Authorization", "Bearer\r\nX-Evil: 1"))
        .hasFieldOrPropertyWithValue("code", "invalid_header");
  }
}
