package dev.agentwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.crypto.TenantKeyId;
import dev.agentwarden.core.crypto.TenantKeyProvider;
import dev.agentwarden.core.crypto.TenantKeys;
import dev.agentwarden.core.crypto.WrappedKeyset;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;

/**
 * Crypto-shredding in backups: each tenant's keyset is wrapped by a key of its own in the key
 * directory (outside the database), so a purge that destroys that key leaves every earlier copy
 * of the database unable to decrypt the tenant, even with the KEK and the same key directory.
 */
@Tag("database")
class TenantKeyShreddingTest {
  // Built by concatenation: the repository scans itself for secrets.
  private static final String CANARY_A = "sk-shred-a-" + "Wm4Qz8Lp2Xv7Rt1N";
  private static final String CANARY_B = "sk-shred-b-" + "Jd6Hs3Kf9Yb5Uc0E";
  private static final SecretRef REF = new SecretRef("upstream");
  private static final String HOST = "api.example.com";
  private static final AllowedHosts HOSTS = AllowedHosts.of(List.of(HOST));
  /** The tables a backup must hold for the vault: what the "restore" copies into a fresh database. */
  private static final List<String> VAULT_TABLES = List.of("tenants", "kek_checks", "tenant_keys", "vault_secrets");

  @TempDir Path dir;
  private Path keyDir;
  private String adminUrl;
  private Database db;
  private KeyEncryptionKey kek;
  private Vault vault;
  private TenantPurge purge;
  private TenantId a;
  private TenantId b;
  private final List<Database> opened = new ArrayList<>();

  @BeforeEach
  void setUp() {
    keyDir = dir.resolve("tenant-keys");
    adminUrl = TestDatabases.createMigrated();
    db = connect(adminUrl);
    kek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    vault = open(db, kek);
    purge = new TenantPurge(vault, AuditLog.open(db, kek, new SecureRandom()));
    a = TenantId.random();
    b = TenantId.random();
    db.asOperator(tx -> {
      Tenants.create(tx, a, "tenant-a");
      Tenants.create(tx, b, "tenant-b");
      return null;
    });
    vault.create(a, REF, SecretValue.of(CANARY_A), HOSTS, Injection.BEARER);
    vault.create(b, REF, SecretValue.of(CANARY_B), HOSTS, Injection.BEARER);
  }

  @AfterEach
  void tearDown() {
    opened.forEach(Database::close);
  }

  private Database connect(String url) {
    Database d = TestDatabases.connect(url, 4);
    opened.add(d);
    return d;
  }

  private Vault open(Database on, KeyEncryptionKey primary, KeyEncryptionKey... previous) {
    return Vault.open(on, primary, List.of(previous),
        TenantKeyProvider.local(KeyDirectory.open(keyDir), primary, List.of(previous)));
  }

  @Test
  void backupTakenBeforeThePurge_restoredIntoAFreshDatabaseWithTheSameKek_doesNotDecryptThePurgedTenant()
      throws Exception {
    Map<String, byte[]> backup = backup(adminUrl);
    Path keyFileOfA = keyFile(a);
    assertThat(keyFileOfA).exists();

    TenantPurge.Receipt receipt = db.asOperator(tx -> purge.purge(tx, a, "operator:test")).orElseThrow();
    assertThat(receipt.body().path("backups_shredded").asBoolean()).isTrue();
    assertThat(keyFileOfA).doesNotExist();
    assertThat(adminText("select count(*) from warden.tenant_key_destructions where purged_tenant = '" + a
        + "' and destroyed_at is not null")).isEqualTo("1");

    // A new installation restored from the backup, with the same KEK and the same key directory.
    String restoredUrl = TestDatabases.createMigrated();
    restore(backup, restoredUrl);
    Vault restored = open(connect(restoredUrl), kek);

    Vault.TenantKeyCheck check = restored.tenantKeyCheck();
    assertThat(check.problems()).singleElement().satisfies(p -> {
      assertThat(p.tenant()).isEqualTo(a);
      assertThat(p.state()).isEqualTo(Vault.KeyState.MISSING);
      assertThat(p.detail()).contains(a.toString()).contains(keyDir.toString());
    });
    assertThatThrownBy(() -> restored.broker(a, REF, HOST))
        .hasFieldOrPropertyWithValue("code", "tenant_key_missing")
        .hasMessageContaining(a.toString()).hasMessageContaining("destroyed")
        .hasMessageNotContaining(CANARY_A);
    // Nothing papers over the missing key: no new keyset is made for the tenant either.
    assertThatThrownBy(() -> restored.create(a, new SecretRef("new"), SecretValue.of("new-value-00000000"), HOSTS,
        Injection.BEARER)).hasFieldOrPropertyWithValue("code", "tenant_key_missing");
    assertThat(restored.report().tenants()).filteredOn(t -> t.tenant().equals(a)).singleElement()
        .satisfies(t -> assertThat(t.state()).isEqualTo(Vault.KeyState.MISSING));
    // Every other tenant of the backup is whole.
    assertThat(restored.broker(b, REF, HOST).headerValue()).isEqualTo("Bearer " + CANARY_B);

    // Rotating the KEK of the restored installation keeps the others readable and brings nothing back.
    KeyEncryptionKey next = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    assertThat(open(connect(restoredUrl), next, kek).rewrapAll().tenantKeysResealed()).isEqualTo(1);
    Vault rotated = open(connect(restoredUrl), next);
    assertThat(rotated.broker(b, REF, HOST).headerValue()).isEqualTo("Bearer " + CANARY_B);
    assertThatThrownBy(() -> rotated.broker(a, REF, HOST)).hasFieldOrPropertyWithValue("code", "tenant_key_missing");
  }

  @Test
  void kekRotation_resealsEveryTenantKey_keepsEverySecretReadable_andChangesNoRowOfTheDatabase() throws Exception {
    String keysetsBefore = adminText("select string_agg(encode(keyset, 'hex'), ',' order by tenant_id) from warden.tenant_keys");
    String secretsBefore = adminText("select string_agg(encode(ciphertext, 'hex'), ',' order by id) from warden.vault_secrets");
    KeyEncryptionKey next = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());

    Vault.KekRotation r = open(db, next, kek).rewrapAll();
    assertThat(r).isEqualTo(new Vault.KekRotation(0, 2));
    Vault after = open(db, next);
    assertThat(after.broker(a, REF, HOST).headerValue()).isEqualTo("Bearer " + CANARY_A);
    assertThat(after.broker(b, REF, HOST).headerValue()).isEqualTo("Bearer " + CANARY_B);
    assertThat(after.report().tenants()).allSatisfy(t -> {
      assertThat(t.state()).isEqualTo(Vault.KeyState.TENANT_KEY);
      assertThat(t.sealedUnder()).contains(next.keyId());
    });
    assertThat(adminText("select string_agg(encode(keyset, 'hex'), ',' order by tenant_id) from warden.tenant_keys"))
        .isEqualTo(keysetsBefore);
    assertThat(adminText("select string_agg(encode(ciphertext, 'hex'), ',' order by id) from warden.vault_secrets"))
        .isEqualTo(secretsBefore);
    // The old KEK alone opens neither the installation nor, through it, a key file.
    assertThatThrownBy(() -> open(db, kek)).hasFieldOrPropertyWithValue("code", "kek_mismatch");
  }

  @Test
  void swappedTenantKeyFile_failsClearly_forThatTenantOnly() throws Exception {
    Path fileA = keyFile(a);
    byte[] original = Files.readAllBytes(fileA);
    Files.write(fileA, Files.readAllBytes(keyFile(b)));

    assertThatThrownBy(() -> vault.broker(a, REF, HOST))
        .hasFieldOrPropertyWithValue("code", "tenant_key_unreadable")
        .hasMessageContaining("holds another key").hasMessageNotContaining(CANARY_A).hasMessageNotContaining(CANARY_B);
    assertThat(vault.broker(b, REF, HOST).headerValue()).isEqualTo("Bearer " + CANARY_B);
    assertThat(vault.tenantKeyCheck().problems()).singleElement().satisfies(p -> {
      assertThat(p.tenant()).isEqualTo(a);
      assertThat(p.state()).isEqualTo(Vault.KeyState.UNREADABLE);
    });

    // b's key with its id line rewritten to claim a's: the seal is bound to the id, so it does not open.
    String idOfA = TenantKeyId.parse(keysetKeyId(a)).orElseThrow().toString();
    String forged = Files.readString(fileA).replaceFirst("key: [^\n]+", "key: " + idOfA);
    Files.writeString(fileA, forged);
    assertThatThrownBy(() -> vault.broker(a, REF, HOST))
        .hasFieldOrPropertyWithValue("code", "tenant_key_unreadable").hasMessageContaining("does not open");

    Files.write(fileA, original);
    assertThat(vault.broker(a, REF, HOST).headerValue()).isEqualTo("Bearer " + CANARY_A);
  }

  @Test
  void tamperedTenantKeyFile_failsClearly_andTheKeysetIsNotReplaced() throws Exception {
    Path fileA = keyFile(a);
    String original = Files.readString(fileA);
    String wrapped = original.lines().filter(l -> l.startsWith("wrapped: ")).findFirst().orElseThrow();
    byte[] sealed = Base64.getDecoder().decode(wrapped.substring("wrapped: ".length()));
    sealed[sealed.length / 2] ^= 1;
    Files.writeString(fileA, original.replace(wrapped, "wrapped: " + Base64.getEncoder().encodeToString(sealed)));

    String keysetBefore = keysetKeyId(a);
    assertThatThrownBy(() -> vault.broker(a, REF, HOST))
        .hasFieldOrPropertyWithValue("code", "tenant_key_unreadable").hasMessageContaining("altered");
    assertThatThrownBy(() -> vault.create(a, new SecretRef("other"), SecretValue.of("other-value-0000000"), HOSTS,
        Injection.BEARER)).hasFieldOrPropertyWithValue("code", "tenant_key_unreadable");
    assertThat(keysetKeyId(a)).isEqualTo(keysetBefore);

    Files.writeString(fileA, "not a key\n");
    assertThatThrownBy(() -> vault.broker(a, REF, HOST))
        .hasFieldOrPropertyWithValue("code", "tenant_key_unreadable").hasMessageContaining("is not a tenant key");
    assertThat(vault.broker(b, REF, HOST).headerValue()).isEqualTo("Bearer " + CANARY_B);
  }

  @Test
  void keyDirectory_holdsNoSecretAndNoKekInClear_andIsPrivate() throws Exception {
    List<String> forbidden = new ArrayList<>();
    for (String canary : List.of(CANARY_A, CANARY_B)) {
      byte[] bytes = canary.getBytes(StandardCharsets.UTF_8);
      forbidden.add(canary);
      forbidden.add(HexFormat.of().formatHex(bytes));
      forbidden.add(Base64.getEncoder().encodeToString(bytes));
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(keyDir)) {
      files = s.toList();
    }
    assertThat(files).hasSize(2);
    for (Path f : files) {
      String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      for (String bad : forbidden) {
        assertThat(text).as(f.toString()).doesNotContain(bad);
      }
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyDir))).isEqualTo("rwx------");
  }

  @Test
  void keysetWrappedByTheKekItself_movesToATenantKeyOnFirstUse_orByMigration_keepingItsCiphertexts() throws Exception {
    TenantId c = TenantId.random();
    TenantId d = TenantId.random();
    String canaryC = "sk-legacy-c-" + "Pq2Ws4Er6Ty8Ui0O";
    String canaryD = "sk-legacy-d-" + "Lk1Jh3Gf5Ds7Az9X";
    for (TenantId t : List.of(c, d)) {
      db.asOperator(tx -> Tenants.create(tx, t, "legacy-" + t.value().toString().substring(0, 8)));
      // As the vault stored keysets before tenant keys: wrapped by the KEK itself.
      String value = t.equals(c) ? canaryC : canaryD;
      db.inTenant(t, tx -> {
        WrappedKeyset legacy = WrappedKeysets.insertIfAbsent(tx, TenantKeys.create(t, kek));
        UUID id = UUID.randomUUID();
        SecretValue v = SecretValue.of(value);
        return VaultSecrets.insert(tx, id, REF, TenantKeys.open(t, legacy, kek).encrypt(id.toString(), v), v.masked(),
            HOSTS, Injection.BEARER);
      });
    }
    String ciphertextC = adminText("select encode(ciphertext, 'hex') from warden.vault_secrets where tenant_id = '" + c + "'");
    assertThat(vault.tenantKeyCheck().legacyKeysets()).isEqualTo(2);
    assertThat(vault.report().tenants()).filteredOn(t -> t.tenant().equals(c)).singleElement()
        .satisfies(t -> assertThat(t.state()).isEqualTo(Vault.KeyState.LEGACY_KEK));

    // First use moves c; the command moves d; nothing else is left.
    assertThat(vault.broker(c, REF, HOST).headerValue()).isEqualTo("Bearer " + canaryC);
    assertThat(keysetKeyId(c)).startsWith("tenant-key:" + c + ":");
    assertThat(vault.migrateLegacyKeysets()).isEqualTo(1);
    assertThat(keysetKeyId(d)).startsWith("tenant-key:" + d + ":");
    assertThat(vault.migrateLegacyKeysets()).isZero();
    assertThat(vault.tenantKeyCheck()).isEqualTo(new Vault.TenantKeyCheck(List.of(), 4, 0));
    assertThat(vault.broker(d, REF, HOST).headerValue()).isEqualTo("Bearer " + canaryD);
    assertThat(adminText("select encode(ciphertext, 'hex') from warden.vault_secrets where tenant_id = '" + c + "'"))
        .isEqualTo(ciphertextC);

    // Moved, c is shredded in backups too.
    Map<String, byte[]> backup = backup(adminUrl);
    db.asOperator(tx -> purge.purge(tx, c, "operator:test"));
    String restoredUrl = TestDatabases.createMigrated();
    restore(backup, restoredUrl);
    Vault restored = open(connect(restoredUrl), kek);
    assertThatThrownBy(() -> restored.broker(c, REF, HOST)).hasFieldOrPropertyWithValue("code", "tenant_key_missing");
    assertThat(restored.broker(d, REF, HOST).headerValue()).isEqualTo("Bearer " + canaryD);
  }

  @Test
  void purgeThatRollsBack_destroysNoKey() throws Exception {
    Path fileA = keyFile(a);
    assertThatThrownBy(() -> db.asOperator(tx -> {
      purge.purge(tx, a, "operator:test");
      throw new StoreException("test_abort", "the purge's transaction fails after the shred");
    })).hasFieldOrPropertyWithValue("code", "test_abort");
    assertThat(fileA).exists();
    assertThat(vault.broker(a, REF, HOST).headerValue()).isEqualTo("Bearer " + CANARY_A);
  }

  @Test
  void purgeCommittedButKeyNotYetDestroyed_isFinishedAtTheNextOpen_andALiveTenantsKeyIsNeverDestroyed()
      throws Exception {
    Path fileA = keyFile(a);
    byte[] sealed = Files.readAllBytes(fileA);
    db.asOperator(tx -> purge.purge(tx, a, "operator:test"));
    // As if the process stopped between the commit and the destruction.
    Files.write(fileA, sealed);
    admin("update warden.tenant_key_destructions set destroyed_at = null");
    // A destruction record naming a live tenant's key (planted) must not destroy it.
    String keyOfB = keysetKeyId(b);
    admin("insert into warden.tenant_key_destructions (key_id, purged_tenant) values ('" + keyOfB + "', '" + b + "')");

    Vault reopened = open(db, kek);
    assertThat(fileA).doesNotExist();
    assertThat(keyFile(b)).exists();
    assertThat(reopened.broker(b, REF, HOST).headerValue()).isEqualTo("Bearer " + CANARY_B);
    assertThat(reopened.report().pendingDestructions()).singleElement().asString()
        .startsWith(keyOfB).contains("live tenant");
  }

  @Test
  void twoProcessesSharingTheKeyDirectory_createOneKeysetPerTenant_andLeaveNoUnusedKey() throws Exception {
    Vault other = open(connect(adminUrl), kek);
    TenantId c = TenantId.random();
    db.asOperator(tx -> Tenants.create(tx, c, "tenant-c"));
    List<Callable<String>> work = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Vault v = i % 2 == 0 ? vault : other;
      SecretRef ref = new SecretRef("s" + i);
      String value = "value-" + i + "-000000000000";
      work.add(() -> v.create(c, ref, SecretValue.of(value), HOSTS, Injection.BEARER).ref().uri());
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (Future<String> f : pool.invokeAll(work)) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    for (int i = 0; i < 8; i++) {
      Vault v = i % 2 == 0 ? other : vault;
      assertThat(v.broker(c, new SecretRef("s" + i), HOST).headerValue()).isEqualTo("Bearer value-" + i + "-000000000000");
    }
    assertThat(keyFiles(c)).hasSize(1);
    assertThat(vault.report().unusedTenantKeys()).isEmpty();
  }

  // ---- helpers ---------------------------------------------------------------------------

  private String keysetKeyId(TenantId t) throws SQLException {
    return adminText("select kek_id from warden.tenant_keys where tenant_id = '" + t + "'");
  }

  private Path keyFile(TenantId t) throws Exception {
    TenantKeyId id = TenantKeyId.parse(keysetKeyId(t)).orElseThrow();
    return keyDir.resolve(id.tenant() + "." + id.serial() + ".key");
  }

  private List<Path> keyFiles(TenantId t) throws Exception {
    try (Stream<Path> s = Files.list(keyDir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(t + ".")).toList();
    }
  }

  /** A backup of the vault's tables as COPY writes them (the data section of a dump). */
  private static Map<String, byte[]> backup(String url) throws SQLException, java.io.IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (Connection c = DriverManager.getConnection(url, new Properties())) {
      var copy = c.unwrap(PGConnection.class).getCopyAPI();
      for (String table : VAULT_TABLES) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        // The operator's own tenants row comes with every migrated database.
        String rows = table.equals("tenants")
            ? "(select * from warden.tenants where id <> '00000000-0000-0000-0000-000000000000')"
            : "warden." + table;
        copy.copyOut("copy " + rows + " to stdout", buf);
        out.put(table, buf.toByteArray());
      }
    }
    return out;
  }

  private static void restore(Map<String, byte[]> backup, String url) throws SQLException, java.io.IOException {
    try (Connection c = DriverManager.getConnection(url, new Properties())) {
      var copy = c.unwrap(PGConnection.class).getCopyAPI();
      for (var e : backup.entrySet()) {
        copy.copyIn("copy warden." + e.getKey() + " from stdin", new ByteArrayInputStream(e.getValue()));
      }
    }
  }

  private void admin(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties())) {
      c.createStatement().execute(sql);
    }
  }

  private String adminText(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        var rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
