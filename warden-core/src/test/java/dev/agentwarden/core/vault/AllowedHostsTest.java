package dev.agentwarden.core.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AllowedHostsTest {
  @Test
  void exactEntry_permitsOnlyThatHost_caseAndTrailingDotInsensitive() {
    AllowedHosts a = AllowedHosts.of(List.of("API.OpenAI.com"));
    assertThat(a.hosts()).containsExactly("api.openai.com");
    assertThat(a.permits("api.openai.com")).isTrue();
    assertThat(a.permits("API.OPENAI.COM.")).isTrue();
    assertThat(a.permits("openai.com")).isFalse();
    assertThat(a.permits("evil-api.openai.com")).isFalse();
    assertThat(a.permits("api.openai.com.evil.net")).isFalse();
    assertThat(a.permits("xapi.openai.com")).isFalse();
  }

  @Test
  void wildcard_permitsSubdomainsButNotTheApexOrLookalikes() {
    AllowedHosts a = AllowedHosts.of(List.of("*.example.com"));
    assertThat(a.permits("a.example.com")).isTrue();
    assertThat(a.permits("a.b.example.com")).isTrue();
    assertThat(a.permits("example.com")).isFalse();
    assertThat(a.permits("badexample.com")).isFalse();
    assertThat(a.permits("example.com.evil.net")).isFalse();
  }

  @Test
  void emptyOrTooBroadOrMalformedEntries_areRejected() {
    assertThatThrownBy(() -> AllowedHosts.of(List.of())).hasFieldOrPropertyWithValue("code", "invalid_allowed_hosts");
    for (String bad : List.of("*.com", "*", "*.*.x.com", "https://api.openai.com", "api.openai.com/v1",
        "api.openai.com:443", "a b.com", "-a.com", "", "256.1.1.1", "01.2.3.4", "*.10.0.0.1", "exa_mple.com")) {
      assertThatThrownBy(() -> AllowedHosts.of(List.of(bad)))
          .as(bad)
          .isInstanceOf(VaultException.class)
          .hasFieldOrPropertyWithValue("code", "invalid_allowed_hosts");
    }
  }

  @Test
  void ipLiterals_matchExactly() {
    AllowedHosts a = AllowedHosts.of(List.of("127.0.0.1", "[::1]"));
    assertThat(a.permits("127.0.0.1")).isTrue();
    assertThat(a.permits("::1")).isTrue();
    assertThat(a.permits("[::1]")).isTrue();
    assertThat(a.permits("127.0.0.2")).isFalse();
  }

  @Test
  void internationalisedNames_compareInTheirAsciiForm() {
    AllowedHosts a = AllowedHosts.of(List.of("bücher.example"));
    assertThat(a.hosts()).containsExactly("xn--bcher-kva.example");
    assertThat(a.permits("xn--bcher-kva.example")).isTrue();
    assertThat(a.permits("BÜCHER.example")).isTrue();
  }

  @Test
  void garbageHosts_areNotPermitted() {
    AllowedHosts a = AllowedHosts.of(List.of("*.example.com"));
    assertThat(a.permits("")).isFalse();
    assertThat(a.permits(null)).isFalse();
    assertThat(a.permits("a.example.com/..")).isFalse();
    assertThat(a.permits("a.example.com\r\n")).isFalse();
  }
}
