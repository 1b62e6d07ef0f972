package dev.agentwarden.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.id.TenantId;
import org.junit.jupiter.api.Test;

class TenantKeyIdTest {
  @Test
  void textForm_roundTrips_andNamesTheTenant() {
    TenantId t = TenantId.random();
    TenantKeyId id = TenantKeyId.random(t);
    assertThat(id.toString()).startsWith("tenant-key:" + t + ":").hasSize("tenant-key:".length() + 36 + 1 + 16);
    assertThat(TenantKeyId.parse(id.toString())).contains(id);
    assertThat(TenantKeyId.random(t)).isNotEqualTo(id);
  }

  @Test
  void kekIdsAndMalformedText_areNotTenantKeyIds_andTheOperatorHasNone() {
    assertThat(TenantKeyId.parse("local:3f9a0c1d2e4b5a69")).isEmpty();
    assertThat(TenantKeyId.parse("tenant-key:" + TenantId.random() + ":XYZ")).isEmpty();
    assertThat(TenantKeyId.parse("tenant-key:" + TenantId.OPERATOR + ":0011223344556677")).isEmpty();
    assertThat(TenantKeyId.parse(" tenant-key:" + TenantId.random() + ":0011223344556677")).isEmpty();
    assertThatThrownBy(() -> new TenantKeyId(TenantId.OPERATOR, "0011223344556677"))
        .hasFieldOrPropertyWithValue("code", "invalid_argument");
  }
}
