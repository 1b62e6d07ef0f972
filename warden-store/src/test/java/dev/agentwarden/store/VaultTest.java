package dev.agentwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.crypto.TenantKeyProvider;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.BrokeredSecret;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.core.vault.VaultException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vault on real PostgreSQL: encryption at rest, brokering, rotation, shredding. */
@Tag("database")
class VaultTest {
  private static final String CANARY = "sk-canary-Vq83NfLx0Wm2Rz7Tb5Yc";
  private static final SecretRef REF = new SecretRef("openai-prod");
  private static final AllowedHosts OPENAI = AllowedHosts.of(List.of("api.openai.com"));

  private String adminUrl;
  private Database db;
  private KeyEncryptionKey kek;
  private TenantId a;
  private TenantId b;

  @BeforeEach
  void setUp() {
    adminUrl = TestDatabases.createMigrated();
    db = TestDatabases.connect(adminUrl, 2);
    kek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    a = TenantId.random();
    b = TenantId.random();
    db.asOperator(tx -> {
      Tenants.create(tx, a, "tenant-a");
      Tenants.create(tx, b, "tenant-b");
      return null;
    });
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  @TempDir Path keyDir;

  /** The vault with its tenant keys in this test's key directory, protected by the same KEKs. */
  private Vault open(KeyEncryptionKey primary, KeyEncryptionKey... previous) {
    return Vault.open(db, primary, List.of(previous),
        TenantKeyProvider.local(KeyDirectory.open(keyDir.resolve("tenant-keys")), primary, List.of(previous)));
  }

  private void admin(String sql, Object... args) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        var st = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        st.setObject(i + 1, args[i]);
      }
      st.execute();
    }
  }

  private byte[] adminBytes(String sql, Object... args) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        var st = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        st.setObject(i + 1, args[i]);
      }
      try (var rs = st.executeQuery()) {
        rs.next();
        return rs.getBytes(1);
      }
    }
  }

  @Test
  void create_storesCiphertextAndMaskedFormOnly_andReadsNeverShowTheValue() throws SQLException {
    Vault vault = open(kek);
    VaultSecret s = vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);

    assertThat(s.masked()).isEqualTo("sk-\u2026b5Yc");
    assertThat(s.ref().uri()).isEqualTo("vault://openai-prod");
    assertThat(vault.list(a)).extracting(VaultSecret::masked).containsExactly("sk-\u2026b5Yc");
    assertThat(vault.find(a, REF).orElseThrow().toString()).doesNotContain(CANARY);
    byte[] stored = adminBytes("select ciphertext from warden.vault_secrets where id = ?", s.id());
    assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(CANARY);
  }

  @Test
  void secrets_areInvisibleToOtherTenants() {
    Vault vault = open(kek);
    vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    assertThat(vault.find(b, REF)).isEmpty();
    assertThat(vault.list(b)).isEmpty();
    assertThatThrownBy(() -> vault.broker(b, REF, "api.openai.com"))
        .hasFieldOrPropertyWithValue("code", "secret_not_found");
  }

  @Test
  void broker_toAllowedHost_releasesTheSecretForItsHeader() {
    Vault vault = open(kek);
    vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    BrokeredSecret s = vault.broker(a, REF, "API.openai.com");
    assertThat(s.headerName()).isEqualTo("Authorization");
    assertThat(s.headerValue()).isEqualTo("Bearer " + CANARY);
    assertThat(s.toString()).doesNotContain(CANARY);
    assertThat(s.scrub("echo: " + CANARY)).isEqualTo("echo: [vault://openai-prod]");
  }

  @Test
  void broker_refusesHostOutsideAllowList_withoutDecrypting() throws SQLException {
    AtomicInteger unwraps = new AtomicInteger();
    Vault vault = open(counting(kek, unwraps));
    VaultSecret s = vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    // Spoil the ciphertext: if the refusal decrypted anything, it would fail differently.
    admin("update warden.vault_secrets set ciphertext = '\\x0102'::bytea where id = ?", s.id());
    unwraps.set(0);

    for (String host : List.of("evil.example", "api.openai.com.evil.example", "openai.com", "169.254.169.254")) {
      assertThatThrownBy(() -> vault.broker(a, REF, host))
          .isInstanceOf(VaultException.class)
          .hasFieldOrPropertyWithValue("code", "host_not_allowed")
          .hasMessageNotContaining(CANARY);
    }
    assertThat(unwraps).hasValue(0);
    assertThatThrownBy(() -> vault.broker(a, REF, "api.openai.com"))
        .hasFieldOrPropertyWithValue("code", "decryption_failed");
    assertThat(unwraps.get()).isPositive();
  }

  @Test
  void ciphertextCopiedToAnotherTenantsRow_failsToDecrypt() throws SQLException {
    Vault vault = open(kek);
    VaultSecret sa = vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    VaultSecret sb = vault.create(b, REF, SecretValue.of("sk-b-secret-value-000000000"), OPENAI, Injection.BEARER);
    admin("update warden.vault_secrets set ciphertext = (select ciphertext from warden.vault_secrets where id = ?)"
        + " where id = ?", sa.id(), sb.id());
    assertThatThrownBy(() -> vault.broker(b, REF, "api.openai.com"))
        .hasFieldOrPropertyWithValue("code", "decryption_failed")
        .hasMessageNotContaining(CANARY);
  }

  @Test
  void keysetCopiedToAnotherTenant_doesNotOpen() throws SQLException {
    Vault vault = open(kek);
    vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    VaultSecret sa = vault.find(a, REF).orElseThrow();
    vault.create(b, new SecretRef("other"), SecretValue.of("sk-b-secret-value-000000000"), OPENAI, Injection.BEARER);
    // Move A's keyset and ciphertext (with A's secret id) into B.
    admin("update warden.tenant_keys set keyset = (select keyset from warden.tenant_keys where tenant_id = ?)"
        + " where tenant_id = ?", a.value(), b.value());
    admin("update warden.vault_secrets set tenant_id = ?, name = 'stolen' where id = ?", b.value(), sa.id());
    assertThatThrownBy(() -> vault.broker(b, new SecretRef("stolen"), "api.openai.com"))
        .hasFieldOrPropertyWithValue("code", "keyset_unwrap_failed");
  }

  @Test
  void ciphertextCopiedToAnotherSecretOfTheSameTenant_failsToDecrypt() throws SQLException {
    Vault vault = open(kek);
    VaultSecret s1 = vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    VaultSecret s2 = vault.create(a, new SecretRef("decoy"), SecretValue.of("decoy-value-0000000000"),
        AllowedHosts.of(List.of("attacker.example")), Injection.BEARER);
    admin("update warden.vault_secrets set ciphertext = (select ciphertext from warden.vault_secrets where id = ?)"
        + " where id = ?", s1.id(), s2.id());
    assertThatThrownBy(() -> vault.broker(a, new SecretRef("decoy"), "attacker.example"))
        .hasFieldOrPropertyWithValue("code", "decryption_failed");
  }

  @Test
  void open_withWrongKek_failsClearlyAtStart_namingBothKeys() {
    open(kek).create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    KeyEncryptionKey wrong = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    assertThatThrownBy(() -> open(wrong))
        .isInstanceOf(StoreException.class)
        .hasFieldOrPropertyWithValue("code", "kek_mismatch")
        .hasMessageContaining(kek.keyId())
        .hasMessageContaining(wrong.keyId());
  }

  @Test
  void open_withKekWhoseCheckValueWasTamperedWith_fails() throws SQLException {
    open(kek);
    admin("update warden.kek_checks set check_blob = '\\x00'::bytea");
    assertThatThrownBy(() -> open(kek))
        .hasFieldOrPropertyWithValue("code", "kek_mismatch");
  }

  @Test
  void kekRotation_keepsEverySecretReadable_andRetiresTheOldKek() throws SQLException {
    Vault old = open(kek);
    old.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    old.create(b, REF, SecretValue.of("sk-b-secret-value-000000000"), OPENAI, Injection.BEARER);
    byte[] ciphertextBefore = adminBytes("select ciphertext from warden.vault_secrets where tenant_id = ?", a.value());

    KeyEncryptionKey next = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    Vault rotating = open(next, kek);
    // Both keysets are on tenant keys already: rotation reseals the two keys, no keyset changes.
    assertThat(rotating.rewrapAll()).isEqualTo(new Vault.KekRotation(0, 2));
    assertThat(rotating.report().activeKekIds()).containsExactly(next.keyId());

    Vault after = open(next);
    assertThat(after.broker(a, REF, "api.openai.com").headerValue()).isEqualTo("Bearer " + CANARY);
    assertThat(after.broker(b, REF, "api.openai.com").headerValue()).isEqualTo("Bearer sk-b-secret-value-000000000");
    assertThat(adminBytes("select ciphertext from warden.vault_secrets where tenant_id = ?", a.value()))
        .isEqualTo(ciphertextBefore);
    assertThatThrownBy(() -> open(kek)).hasFieldOrPropertyWithValue("code", "kek_mismatch");
  }

  @Test
  void previousKek_stillOpensTenantKeysSealedUnderIt_untilTheRotationResealsThem() {
    open(kek).create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    KeyEncryptionKey next = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    Vault rotating = open(next, kek);
    assertThat(rotating.broker(a, REF, "api.openai.com").headerValue()).isEqualTo("Bearer " + CANARY);
    assertThat(rotating.report().tenants()).singleElement().satisfies(t -> {
      assertThat(t.state()).isEqualTo(Vault.KeyState.TENANT_KEY);
      assertThat(t.sealedUnder()).contains(kek.keyId());
    });
    rotating.rewrapAll();
    assertThat(open(next).report().tenants()).singleElement()
        .satisfies(t -> assertThat(t.sealedUnder()).contains(next.keyId()));
  }

  @Test
  void dataKeyRotation_reencryptsEverySecret_andKeepsThemReadable() throws SQLException {
    Vault vault = open(kek);
    vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    byte[] before = adminBytes("select ciphertext from warden.vault_secrets where tenant_id = ?", a.value());
    var status = vault.rotateDataKey(a);
    assertThat(status.keyCount()).isEqualTo(1);
    byte[] after = adminBytes("select ciphertext from warden.vault_secrets where tenant_id = ?", a.value());
    assertThat(after).isNotEqualTo(before);
    assertThat(vault.broker(a, REF, "api.openai.com").headerValue()).isEqualTo("Bearer " + CANARY);
  }

  @Test
  void update_rotatesTheValue_bumpsTheVersion_andChangesTheMask() {
    Vault vault = open(kek);
    vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    VaultSecret v2 = vault.update(a, REF, Optional.of(SecretValue.of("sk-rotated-value-000000000WXYZ")),
        Optional.empty(), Optional.empty()).orElseThrow();
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.masked()).isEqualTo("sk-\u2026WXYZ");
    assertThat(vault.broker(a, REF, "api.openai.com").headerValue()).endsWith("WXYZ");
    assertThat(vault.update(a, new SecretRef("missing"), Optional.empty(), Optional.empty(), Optional.empty())).isEmpty();
  }

  @Test
  void shred_makesTheTenantsCiphertextsUnrecoverable_evenRestoredFromABackup() throws SQLException {
    Vault vault = open(kek);
    VaultSecret s = vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    byte[] backup = adminBytes("select ciphertext from warden.vault_secrets where id = ?", s.id());

    vault.shred(a);
    assertThat(vault.list(a)).isEmpty();

    // "Restore" the row from a backup taken before the purge: the keyset is gone, so it is noise.
    VaultSecret again = vault.create(a, REF, SecretValue.of("placeholder-value-0000"), OPENAI, Injection.BEARER);
    admin("update warden.vault_secrets set id = ?, ciphertext = ? where id = ?", s.id(), backup, again.id());
    assertThatThrownBy(() -> vault.broker(a, REF, "api.openai.com"))
        .hasFieldOrPropertyWithValue("code", "decryption_failed");
    assertThat(vault.list(b)).isEmpty();
  }

  @Test
  void nameTaken_isAConflict() {
    Vault vault = open(kek);
    vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER);
    assertThatThrownBy(() -> vault.create(a, REF, SecretValue.of("x-value-000000"), OPENAI, Injection.BEARER))
        .isInstanceOf(ConflictException.class);
    vault.create(b, REF, SecretValue.of("x-value-000000"), OPENAI, Injection.BEARER);
  }

  @Test
  void changes_areRecordedInTheirOwnTransaction_soAFailedRecordUndoesTheChange() {
    Vault vault = open(kek);
    List<String> recorded = new java.util.ArrayList<>();
    ChangeRecorder recorder = (tx, type, body) -> recorded.add(type.wireName() + " " + body);
    vault.create(a, REF, SecretValue.of(CANARY), OPENAI, Injection.BEARER, recorder);
    vault.update(a, REF, Optional.of(SecretValue.of("sk-rotated-value-000000000WXYZ")), Optional.empty(),
        Optional.empty(), recorder);
    assertThat(recorded).hasSize(2);
    assertThat(recorded.get(1)).contains("\"action\":\"rotated\"").contains("vault://openai-prod")
        .contains("\"version\":2").doesNotContain(CANARY).doesNotContain("WXYZ");

    ChangeRecorder failing = (tx, type, body) -> {
      throw new StoreException("audit_append_failed", "audit unavailable");
    };
    assertThatThrownBy(() -> vault.create(a, new SecretRef("other"), SecretValue.of("v-0000000000"), OPENAI,
        Injection.BEARER, failing)).hasFieldOrPropertyWithValue("code", "audit_append_failed");
    assertThat(vault.find(a, new SecretRef("other"))).isEmpty();
    assertThatThrownBy(() -> vault.delete(a, REF, failing)).isInstanceOf(StoreException.class);
    assertThat(vault.find(a, REF)).isPresent();
  }

  /** A KEK that counts unwraps: a real KEK with a counter, to prove what did not happen. */
  private static KeyEncryptionKey counting(KeyEncryptionKey real, AtomicInteger unwraps) {
    return new KeyEncryptionKey() {
      @Override
      public String keyId() {
        return real.keyId();
      }

      @Override
      public byte[] wrap(byte[] plaintext, byte[] associatedData) {
        return real.wrap(plaintext, associatedData);
      }

      @Override
      public byte[] unwrap(byte[] ciphertext, byte[] associatedData) {
        unwraps.incrementAndGet();
        return real.unwrap(ciphertext, associatedData);
      }
    };
  }
}
