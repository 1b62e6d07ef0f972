package dev.agentwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.crypto.TenantKeyProvider;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tenant purge on real PostgreSQL: shredding, the audit purge path, every row, the operator's record. */
@Tag("database")
class TenantPurgeTest {
  // Built by concatenation: the repository scans itself for secrets.
  private static final String CANARY_A = "sk-purge-a-" + "Lq93XvB2mN8rT4wZ";
  private static final String CANARY_B = "sk-purge-b-" + "Hc57YpD1kS6uV0eQ";
  private static final SecretRef REF = new SecretRef("upstream");
  private static final AllowedHosts HOSTS = AllowedHosts.of(List.of("api.example.com"));

  @TempDir Path keyDir;
  private String adminUrl;
  private Database db;
  private KeyEncryptionKey kek;
  private Vault vault;
  private AuditLog audit;
  private TenantPurge purge;
  private TenantId a;
  private TenantId b;

  @BeforeEach
  void setUp() {
    adminUrl = TestDatabases.createMigrated();
    db = TestDatabases.connect(adminUrl, 2);
    kek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    vault = Vault.open(db, kek, List.of(),
        TenantKeyProvider.local(KeyDirectory.open(keyDir.resolve("tenant-keys")), kek, List.of()));
    audit = AuditLog.open(db, kek, new SecureRandom());
    purge = new TenantPurge(vault, audit);
    a = TenantId.random();
    b = TenantId.random();
    db.asOperator(tx -> {
      Tenants.create(tx, a, "tenant-a");
      Tenants.create(tx, b, "tenant-b");
      return null;
    });
    for (TenantId t : List.of(a, b)) {
      vault.create(t, REF, SecretValue.of(t.equals(a) ? CANARY_A : CANARY_B), HOSTS, Injection.BEARER);
      for (int i = 0; i < 3; i++) {
        audit.append(t, "test", AuditEventType.TENANT_CREATED, JsonNodeFactory.instance.objectNode().put("n", i));
      }
    }
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  @Test
  void purge_removesEveryRowOfTheTenant_keepsOthers_andRecordsInTheOperatorsChain() throws SQLException {
    TenantPurge.Receipt r = db.asOperator(tx -> purge.purge(tx, a, "operator:test")).orElseThrow();

    assertThat(r.body().path("tenant_id").asText()).isEqualTo(a.toString());
    assertThat(r.body().path("audit_events_purged").asLong()).isEqualTo(3);
    assertThat(r.body().path("secrets_shredded").asLong()).isEqualTo(1);
    assertThat(r.body().path("data_keyset_destroyed").asBoolean()).isTrue();
    assertThat(r.body().path("keyset_kek_id").asText()).startsWith("tenant-key:" + a + ":");
    assertThat(r.body().path("backups_shredded").asBoolean()).isTrue();
    assertThat(r.body().path("purged_chain_head").path("seq").asLong()).isEqualTo(3);
    assertThat(r.body().toString()).doesNotContain(CANARY_A).doesNotContain("tenant-a");
    for (String table : tenantTables()) {
      assertThat(adminCount("select count(*) from warden." + table + " where tenant_id = ?", a)).as(table).isZero();
    }
    assertThat(adminCount("select count(*) from warden.tenants where id = ?", a)).isZero();

    // The other tenant: its secret, its chain and its row are as they were.
    assertThat(vault.broker(b, REF, "api.example.com").headerValue()).isEqualTo("Bearer " + CANARY_B);
    assertThat(audit.size(b)).isEqualTo(3);
    assertThat(find(b)).isPresent();

    // The record is the operator chain's event, signed and chained like any other.
    assertThat(audit.size(TenantId.OPERATOR)).isEqualTo(r.operatorSeq());
    var events = audit.events(TenantId.OPERATOR, new AuditLog.EventQuery(0, java.util.Optional.of("tenant.purged"),
        java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(), 10));
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.actor()).isEqualTo("operator:test");
      assertThat(canonical(e.body())).isEqualTo(canonical(r.body()));
    });
  }

  @Test
  void purgeAgain_returnsTheFirstRecord_unknownAndOperatorIdsAreEmpty_andOnlyTheOperatorScopeMayPurge() {
    TenantPurge.Receipt first = db.asOperator(tx -> purge.purge(tx, a, "operator:one")).orElseThrow();
    TenantPurge.Receipt again = db.asOperator(tx -> purge.purge(tx, a, "operator:two")).orElseThrow();
    assertThat(again.operatorSeq()).isEqualTo(first.operatorSeq());
    assertThat(again.actor()).isEqualTo("operator:one");
    assertThat(canonical(again.body())).isEqualTo(canonical(first.body()));
    assertThat(audit.size(TenantId.OPERATOR)).isEqualTo(first.operatorSeq());

    assertThat(purgeAsOperator(TenantId.random())).isEmpty();
    assertThat(purgeAsOperator(TenantId.OPERATOR)).isEmpty();
    assertThatThrownBy(() -> db.inTenant(b, tx -> purge.purge(tx, b, "key:x")))
        .hasFieldOrPropertyWithValue("code", "permission_denied");
    assertThatThrownBy(() -> db.inTenant(b, tx -> tx.queryOne("select tenant_purge(?)", rs -> rs.getBoolean(1), b)))
        .isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> db.asOperator(tx -> tx.queryOne("select tenant_purge(?)", rs -> rs.getBoolean(1),
        TenantId.OPERATOR))).isInstanceOf(StoreException.class);
    assertThat(find(b)).isPresent();
  }

  @Test
  void operatorsOwnRow_isNeverListedOrFound_asATenant() {
    List<Tenant> listed = db.asOperator(tx -> Tenants.list(tx, 100, java.util.Optional.empty()));
    assertThat(listed).extracting(Tenant::id).containsExactlyInAnyOrder(a, b);
    assertThat(find(TenantId.OPERATOR)).isEmpty();
    java.util.Optional<Tenant> suspended =
        db.asOperator(tx -> Tenants.setStatus(tx, TenantId.OPERATOR, Tenant.Status.SUSPENDED));
    assertThat(suspended).isEmpty();
  }

  @Test
  void backupTakenBeforeThePurge_cannotBeDecrypted_evenWithTheKekAndTheKeyDirectory() throws SQLException {
    // The "backup": the tenant's row, its wrapped keyset and its secret, as a dump would hold them.
    String tenantRow = adminText("select row_to_json(t)::text from warden.tenants t where id = ?", a);
    String keysetRow = adminText("select row_to_json(k)::text from warden.tenant_keys k where tenant_id = ?", a);
    String secretRow = adminText("select row_to_json(s)::text from warden.vault_secrets s where tenant_id = ?", a);
    db.asOperator(tx -> purge.purge(tx, a, "operator:test"));

    // Restored into the live database without its keyset: not even a new keyset of the same
    // tenant opens the old ciphertext.
    restore(tenantRow, null, secretRow);
    assertThatThrownBy(() -> vault.broker(a, REF, "api.example.com"))
        .hasFieldOrPropertyWithValue("code", "decryption_failed").hasMessageNotContaining(CANARY_A);
    db.asOperator(tx -> purge.purge(tx, a, "operator:test"));

    // The whole backup, keyset included, names a tenant key that the purge destroyed: with the
    // same KEK and the same key directory, it does not open, and nothing replaces it silently.
    restore(tenantRow, keysetRow, secretRow);
    assertThatThrownBy(() -> vault.broker(a, REF, "api.example.com"))
        .hasFieldOrPropertyWithValue("code", "tenant_key_missing")
        .hasMessageContaining(a.toString()).hasMessageNotContaining(CANARY_A);
    assertThatThrownBy(() -> vault.create(a, new SecretRef("fresh"), SecretValue.of("fresh-value-0000000"), HOSTS,
        Injection.BEARER)).hasFieldOrPropertyWithValue("code", "tenant_key_missing");
    assertThat(vault.broker(b, REF, "api.example.com").headerValue()).endsWith(CANARY_B);
  }

  @Test
  void everyTenantTable_isPurged_byCascadeOrByName() throws SQLException {
    Set<String> purgedByName = Set.of("rate_buckets", "idempotency_keys", "audit_events", "audit_heads",
        "audit_checkpoints", "audit_tree_nodes");
    List<String> notPurged = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        var st = c.prepareStatement("""
            select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
            where n.nspname = 'warden' and c.relkind = 'r' and not exists (
              select 1 from pg_constraint f where f.conrelid = c.oid and f.contype = 'f'
                and f.confrelid = 'warden.tenants'::regclass and f.confdeltype = 'c')
            order by 1""");
        var rs = st.executeQuery()) {
      while (rs.next()) {
        if (!purgedByName.contains(rs.getString(1))) {
          notPurged.add(rs.getString(1));
        }
      }
    }
    assertThat(notPurged).as("tenant tables neither ON DELETE CASCADE to tenants nor deleted by TenantPurge").isEmpty();
  }

  private static String canonical(com.fasterxml.jackson.databind.JsonNode n) {
    return dev.agentwarden.core.json.CanonicalJson.canonicalString(n);
  }

  private java.util.Optional<Tenant> find(TenantId id) {
    return db.asOperator(tx -> Tenants.find(tx, id));
  }

  private java.util.Optional<TenantPurge.Receipt> purgeAsOperator(TenantId id) {
    return db.asOperator(tx -> purge.purge(tx, id, "operator:x"));
  }

  private List<String> tenantTables() throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        var st = c.prepareStatement("select table_name from information_schema.columns where table_schema = 'warden'"
            + " and column_name = 'tenant_id' order by 1");
        var rs = st.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    assertThat(out).contains("vault_secrets", "tenant_keys", "audit_events", "api_keys");
    return out;
  }

  private void restore(String tenantRow, String keysetRow, String secretRow) throws SQLException {
    admin("insert into warden.tenants select * from json_populate_record(null::warden.tenants, ?::json)", tenantRow);
    if (keysetRow != null) {
      admin("insert into warden.tenant_keys select * from json_populate_record(null::warden.tenant_keys, ?::json)",
          keysetRow);
    }
    admin("insert into warden.vault_secrets select * from json_populate_record(null::warden.vault_secrets, ?::json)",
        secretRow);
  }

  private void admin(String sql, Object... args) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        var st = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        st.setObject(i + 1, args[i] instanceof TenantId t ? t.value() : args[i]);
      }
      st.execute();
    }
  }

  private long adminCount(String sql, TenantId tenant) throws SQLException {
    return Long.parseLong(adminText(sql, tenant));
  }

  private String adminText(String sql, TenantId tenant) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        var st = c.prepareStatement(sql)) {
      st.setObject(1, tenant.value());
      try (var rs = st.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }
}
