package dev.agentwarden.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import dev.agentwarden.core.id.TenantId;
import org.junit.jupiter.api.Test;

class TenantKeysTest {
  private static final TenantId A = TenantId.parse("0a000000-0000-4000-8000-00000000000a");
  private static final TenantId B = TenantId.parse("0b000000-0000-4000-8000-00000000000b");
  private static final String CANARY = "sk-canary-7Hq2XvB9mL4nR8sT1wZ6";
  private final KeyEncryptionKey kek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());

  @Test
  void encryptThenDecrypt_sameTenantAndSecret_returnsTheValue() {
    TenantCipher cipher = TenantKeys.open(A, TenantKeys.create(A, kek), kek);
    byte[] ct = cipher.encrypt("secret-1", SecretValue.of(CANARY));
    assertThat(new String(ct, StandardCharsets.ISO_8859_1)).doesNotContain(CANARY);
    assertThat(cipher.decrypt("secret-1", ct)).isEqualTo(SecretValue.of(CANARY));
  }

  @Test
  void wrappedKeyset_doesNotContainTheDataKeyOrTheSecret() {
    WrappedKeyset wrapped = TenantKeys.create(A, kek);
    assertThat(wrapped.kekId()).isEqualTo(kek.keyId());
    assertThat(wrapped.toString()).contains(kek.keyId()).doesNotContain("[B@");
  }

  @Test
  void ciphertextCopiedToAnotherSecret_failsToDecrypt() {
    TenantCipher cipher = TenantKeys.open(A, TenantKeys.create(A, kek), kek);
    byte[] ct = cipher.encrypt("secret-1", SecretValue.of(CANARY));
    assertThatThrownBy(() -> cipher.decrypt("secret-2", ct))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "decryption_failed")
        .hasMessageNotContaining(CANARY);
  }

  @Test
  void ciphertextCopiedToAnotherTenant_failsToDecrypt_evenWithTheSameKeyset() {
    WrappedKeyset wrappedA = TenantKeys.create(A, kek);
    TenantCipher a = TenantKeys.open(A, wrappedA, kek);
    TenantCipher b = TenantKeys.open(B, TenantKeys.create(B, kek), kek);
    byte[] ct = a.encrypt("secret-1", SecretValue.of(CANARY));
    assertThatThrownBy(() -> b.decrypt("secret-1", ct))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "decryption_failed");
  }

  @Test
  void wrappedKeysetCopiedToAnotherTenant_doesNotOpen() {
    WrappedKeyset wrappedA = TenantKeys.create(A, kek);
    assertThatThrownBy(() -> TenantKeys.open(B, wrappedA, kek))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "keyset_unwrap_failed")
        .hasMessageContaining(B.toString());
  }

  @Test
  void bindingFields_areLengthPrefixed_soShiftingCharactersBetweenTenantAndSecretFails() {
    TenantCipher ab = TenantKeys.open(A, TenantKeys.create(A, kek), kek);
    byte[] ct = ab.encrypt("c", SecretValue.of(CANARY));
    assertThat(BindingContext.of("l", "ab", "c")).isNotEqualTo(BindingContext.of("l", "a", "bc"));
    assertThatThrownBy(() -> ab.decrypt("c ", ct)).isInstanceOf(CryptoException.class);
  }

  @Test
  void openWithWrongKek_failsWithKekMismatchNamingBothKeys() {
    WrappedKeyset wrapped = TenantKeys.create(A, kek);
    KeyEncryptionKey wrong = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    assertThatThrownBy(() -> TenantKeys.open(A, wrapped, wrong))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "kek_mismatch")
        .hasMessageContaining(kek.keyId())
        .hasMessageContaining(wrong.keyId());
  }

  @Test
  void openWithWrongKek_thatClaimsTheRightId_stillFails() {
    // A stored row whose kek id was edited to match another KEK: the unwrap itself must fail.
    KeyEncryptionKey wrong = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    WrappedKeyset real = TenantKeys.create(A, kek);
    WrappedKeyset relabelled = WrappedKeyset.of(wrong.keyId(), real.ciphertext());
    assertThatThrownBy(() -> TenantKeys.open(A, relabelled, wrong))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "keyset_unwrap_failed");
  }

  @Test
  void alteredWrappedKeyset_doesNotOpen() {
    byte[] bytes = TenantKeys.create(A, kek).ciphertext();
    bytes[bytes.length - 3] ^= 0x40;
    assertThatThrownBy(() -> TenantKeys.open(A, WrappedKeyset.of(kek.keyId(), bytes), kek))
        .isInstanceOf(CryptoException.class);
  }

  @Test
  void kekRotation_keepsEveryCiphertextReadable_withoutTouchingIt() {
    WrappedKeyset wrapped = TenantKeys.create(A, kek);
    TenantCipher before = TenantKeys.open(A, wrapped, kek);
    byte[] ct1 = before.encrypt("s1", SecretValue.of(CANARY));
    byte[] ct2 = before.encrypt("s2", SecretValue.of("another-secret-value"));

    KeyEncryptionKey newKek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    WrappedKeyset rewrapped = TenantKeys.rewrap(A, wrapped, kek, newKek);

    assertThat(rewrapped.kekId()).isEqualTo(newKek.keyId());
    TenantCipher after = TenantKeys.open(A, rewrapped, newKek);
    assertThat(after.decrypt("s1", ct1)).isEqualTo(SecretValue.of(CANARY));
    assertThat(after.decrypt("s2", ct2)).isEqualTo(SecretValue.of("another-secret-value"));
    assertThat(after.isUnderPrimaryKey(ct1)).isTrue();
    assertThatThrownBy(() -> TenantKeys.open(A, rewrapped, kek))
        .hasFieldOrPropertyWithValue("code", "kek_mismatch");
  }

  @Test
  void dataKeyRotation_keepsOldCiphertextsReadable_untilReencryptedAndRetired() {
    WrappedKeyset v1 = TenantKeys.create(A, kek);
    TenantCipher c1 = TenantKeys.open(A, v1, kek);
    byte[] old = c1.encrypt("s1", SecretValue.of(CANARY));

    WrappedKeyset v2 = TenantKeys.rotate(A, v1, kek);
    TenantCipher c2 = TenantKeys.open(A, v2, kek);
    assertThat(c2.status().keyCount()).isEqualTo(2);
    assertThat(c2.status().primaryKeyId()).isNotEqualTo(c1.status().primaryKeyId());
    assertThat(c2.isUnderPrimaryKey(old)).isFalse();
    assertThat(c2.decrypt("s1", old)).isEqualTo(SecretValue.of(CANARY));

    byte[] fresh = c2.reencrypt("s1", old);
    assertThat(c2.isUnderPrimaryKey(fresh)).isTrue();
    assertThat(c1.decrypt("s1", old)).isEqualTo(SecretValue.of(CANARY));
    assertThatThrownBy(() -> c1.decrypt("s1", fresh)).isInstanceOf(CryptoException.class);

    WrappedKeyset v3 = TenantKeys.retireOldKeys(A, v2, kek);
    TenantCipher c3 = TenantKeys.open(A, v3, kek);
    assertThat(c3.status().keyCount()).isEqualTo(1);
    assertThat(c3.decrypt("s1", fresh)).isEqualTo(SecretValue.of(CANARY));
    assertThatThrownBy(() -> c3.decrypt("s1", old))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "decryption_failed");
  }

  @Test
  void cryptoShredding_destroyedKeysetLeavesCiphertextsUnrecoverable_evenByANewKeysetOfTheTenant() {
    WrappedKeyset wrapped = TenantKeys.create(A, kek);
    byte[] ct = TenantKeys.open(A, wrapped, kek).encrypt("s1", SecretValue.of(CANARY));
    wrapped = null; // the only copy is gone: the repository deletes the row

    TenantCipher recreated = TenantKeys.open(A, TenantKeys.create(A, kek), kek);
    assertThatThrownBy(() -> recreated.decrypt("s1", ct))
        .isInstanceOf(CryptoException.class)
        .hasFieldOrPropertyWithValue("code", "decryption_failed");
  }

  @Test
  void status_reportsKekAndKeysWithoutSecrets() {
    WrappedKeyset wrapped = TenantKeys.rotate(A, TenantKeys.create(A, kek), kek);
    KeysetStatus status = TenantKeys.status(A, wrapped, kek);
    assertThat(status.kekId()).isEqualTo(kek.keyId());
    assertThat(status.keyCount()).isEqualTo(2);
    assertThat(TenantKeys.open(A, wrapped, kek).toString()).contains(A.toString());
  }

  @Test
  void isUnderPrimaryKey_isFalseForGarbage() {
    TenantCipher cipher = TenantKeys.open(A, TenantKeys.create(A, kek), kek);
    assertThat(cipher.isUnderPrimaryKey(new byte[0])).isFalse();
    assertThat(cipher.isUnderPrimaryKey(new byte[] {0, 1, 2, 3, 4, 5})).isFalse();
  }

  @Test
  void decrypt_ofTruncatedOrGarbageCiphertext_failsWithTheSameCode() {
    TenantCipher cipher = TenantKeys.open(A, TenantKeys.create(A, kek), kek);
    byte[] ct = cipher.encrypt("s1", SecretValue.of(CANARY));
    var rnd = new java.util.Random(7);
    for (int len = 0; len < ct.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(ct, len);
      assertThatThrownBy(() -> cipher.decrypt("s1", cut))
          .isInstanceOf(CryptoException.class)
          .hasFieldOrPropertyWithValue("code", "decryption_failed");
    }
    byte[] garbage = new byte[64];
    rnd.nextBytes(garbage);
    assertThatThrownBy(() -> cipher.decrypt("s1", garbage))
        .hasFieldOrPropertyWithValue("code", "decryption_failed");
  }

  @Test
  void blankIds_areRejected() {
    assertThatThrownBy(() -> TenantKeys.create(TenantId.OPERATOR, kek))
        .hasFieldOrPropertyWithValue("code", "invalid_argument");
    TenantCipher cipher = TenantKeys.open(A, TenantKeys.create(A, kek), kek);
    assertThatThrownBy(() -> cipher.encrypt("", SecretValue.of(CANARY)))
        .hasFieldOrPropertyWithValue("code", "invalid_argument");
  }
}
