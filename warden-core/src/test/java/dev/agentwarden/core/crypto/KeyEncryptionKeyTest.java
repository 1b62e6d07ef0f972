package dev.agentwarden.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class KeyEncryptionKeyTest {
  private static final byte[] AD = "tenant-a".getBytes(StandardCharsets.UTF_8);
  private static final byte[] DATA = "a data keyset".getBytes(StandardCharsets.UTF_8);

  @Test
  void wrapThenUnwrap_withSameKeyAndAssociatedData_returnsThePlaintext() {
    KeyEncryptionKey kek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    byte[] wrapped = kek.wrap(DATA, AD);
    assertThat(wrapped).isNotEqualTo(DATA);
    assertThat(kek.unwrap(wrapped, AD)).isEqualTo(DATA);
  }

  @Test
  void wrap_isRandomised_sameInputGivesDifferentCiphertexts() {
    KeyEncryptionKey kek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    assertThat(kek.wrap(DATA, AD)).isNotEqualTo(kek.wrap(DATA, AD));
  }

  @Test
  void unwrap_withWrongKek_failsClearly() {
    KeyEncryptionKey right = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    KeyEncryptionKey wrong = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    byte[] wrapped = right.wrap(DATA, AD);
    assertThatThrownBy(() -> wrong.unwrap(wrapped, AD))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "keyset_unwrap_failed")
        .hasMessageContaining(wrong.keyId());
  }

  @Test
  void unwrap_withOtherAssociatedDataOrAlteredByte_fails() {
    KeyEncryptionKey kek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    byte[] wrapped = kek.wrap(DATA, AD);
    assertThatThrownBy(() -> kek.unwrap(wrapped, "tenant-b".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(CryptoException.class);
    for (int i = 0; i < wrapped.length; i++) {
      byte[] altered = wrapped.clone();
      altered[i] ^= 1;
      assertThatThrownBy(() -> kek.unwrap(altered, AD)).isInstanceOf(CryptoException.class);
    }
  }

  @Test
  void keyId_isStableForTheSameMaterial_differsForOther_andDoesNotContainIt() {
    SecretValue material = KeyEncryptionKey.generateLocalMaterial();
    String clear = material.reveal(InsecureSecretAccess.get());
    KeyEncryptionKey a = KeyEncryptionKey.local(material);
    KeyEncryptionKey b = KeyEncryptionKey.local(SecretValue.of(clear + "\n"));
    KeyEncryptionKey other = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    assertThat(a.keyId()).startsWith("local:").hasSize("local:".length() + 16).isEqualTo(b.keyId());
    assertThat(other.keyId()).isNotEqualTo(a.keyId());
    String hex = java.util.HexFormat.of().formatHex(Base64.getDecoder().decode(clear));
    assertThat(hex).doesNotContain(a.keyId().substring("local:".length()));
    assertThat(a.toString()).doesNotContain(clear);
  }

  @Test
  void local_acceptsUrlSafeBase64OfTheSameKey() {
    byte[] raw = new byte[32];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = (byte) (0xF0 + i); // forces '+' / '/' characters in standard base64
    }
    var std = KeyEncryptionKey.local(SecretValue.of(Base64.getEncoder().encodeToString(raw)));
    var url = KeyEncryptionKey.local(SecretValue.of(Base64.getUrlEncoder().encodeToString(raw)));
    assertThat(url.keyId()).isEqualTo(std.keyId());
    assertThat(url.unwrap(std.wrap(DATA, AD), AD)).isEqualTo(DATA);
  }

  @Test
  void local_rejectsMaterialOfWrongLengthOrNotBase64_withoutEchoingIt() {
    String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
    assertThatThrownBy(() -> KeyEncryptionKey.local(SecretValue.of(shortKey)))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "invalid_key_material")
        .hasMessageContaining("got 16 bytes")
        .hasMessageNotContaining(shortKey);
    assertThatThrownBy(() -> KeyEncryptionKey.local(SecretValue.of("not base64 at all!")))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "invalid_key_material")
        .hasMessageNotContaining("not base64 at all");
  }
}
