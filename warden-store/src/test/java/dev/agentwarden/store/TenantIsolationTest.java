package dev.agentwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.auth.Role;
import dev.agentwarden.core.id.TenantId;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Row-level security at the SQL level: under A's context nothing of B's can be touched. */
@Tag("database")
class TenantIsolationTest {
  private static Database db;
  private static TenantId a;
  private static TenantId b;
  private static UUID keyOfB;

  @BeforeAll
  static void seed() {
    db = TestDatabases.connect(TestDatabases.createMigrated(), 2);
    a = TenantId.random();
    b = TenantId.random();
    keyOfB = UUID.randomUUID();
    db.asOperator(tx -> {
      Tenants.create(tx, a, "tenant-a");
      Tenants.create(tx, b, "tenant-b");
      tx.actAs(a);
      ApiKeys.insert(tx, UUID.randomUUID(), "a-admin", Role.ADMIN, "wdn_a", new byte[32], Optional.empty());
      tx.actAs(b);
      ApiKeys.insert(tx, keyOfB, "b-admin", Role.ADMIN, "wdn_b", new byte[32], Optional.empty());
      return null;
    });
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void selectUnderA_neverReturnsRowsOfB() {
    long visible = db.inTenant(a, tx -> tx.queryOne("select count(*) from api_keys", rs -> rs.getLong(1))).orElseThrow();
    assertThat(visible).isEqualTo(1);
    Optional<ApiKey> probe = db.inTenant(a, tx -> ApiKeys.find(tx, keyOfB));
    assertThat(probe).isEmpty();
    long byTenantColumn = db.inTenant(a, tx -> tx.queryOne(
        "select count(*) from api_keys where tenant_id = ?", rs -> rs.getLong(1), b)).orElseThrow();
    assertThat(byTenantColumn).isZero();
  }

  @Test
  void updateAndDeleteUnderA_touchNothingOfB() {
    int updated = db.inTenant(a, tx -> tx.update("update api_keys set name = 'pwned' where id = ?", keyOfB));
    assertThat(updated).isZero();
    int all = db.inTenant(a, tx -> tx.update("update api_keys set last_used_at = now() where tenant_id = ?", b));
    assertThat(all).isZero();
    // api_keys has no DELETE grant at all; rate_buckets does, and must still be confined.
    db.inTenant(b, tx -> RateBuckets.take(tx, "probe", 1, 1, 10));
    int deleted = db.inTenant(a, tx -> tx.update("delete from rate_buckets where tenant_id = ?", b));
    assertThat(deleted).isZero();
    assertThat(db.inTenant(b, tx -> tx.queryOne("select count(*) from rate_buckets", rs -> rs.getLong(1))).orElseThrow())
        .isEqualTo(1);
    assertThat(db.inTenant(b, tx -> ApiKeys.find(tx, keyOfB)).orElseThrow().name()).isEqualTo("b-admin");
  }

  @Test
  void insertUnderA_carryingTenantIdOfB_fails() {
    assertThatThrownBy(() -> db.inTenant(a, tx -> tx.update(
            "insert into api_keys (id, tenant_id, name, role, prefix, secret_hash) values (?, ?, 'x', 'admin', 'p', ?)",
            UUID.randomUUID(), b, new byte[32])))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo("permission_denied");
  }

  @Test
  void tenantScope_seesOnlyItsOwnTenantRow_andCannotCreateTenants() {
    long tenants = db.inTenant(a, tx -> tx.queryOne("select count(*) from tenants", rs -> rs.getLong(1))).orElseThrow();
    assertThat(tenants).isEqualTo(1);
    assertThatThrownBy(() -> db.inTenant(a, tx -> Tenants.create(tx, TenantId.random(), "sneaky")))
        .isInstanceOf(StoreException.class);
  }

  @Test
  void operatorScope_seesTenantsButNoTenantData() {
    long keys = db.asOperator(tx -> tx.queryOne("select count(*) from api_keys", rs -> rs.getLong(1))).orElseThrow();
    assertThat(keys).isZero();
    long tenants = db.asOperator(tx -> tx.queryOne("select count(*) from tenants where id <> ?", rs -> rs.getLong(1),
        TenantId.OPERATOR)).orElseThrow();
    assertThat(tenants).isEqualTo(2);
    // Besides them, the row that holds the operator's own audit chain (never listed as a tenant).
    java.util.List<Tenant> listed = db.asOperator(tx -> Tenants.list(tx, 10, java.util.Optional.empty()));
    assertThat(listed).hasSize(2);
  }

  @Test
  void tenantTransaction_cannotSwitchScope() {
    assertThatThrownBy(() -> db.inTenant(a, tx -> {
          tx.actAs(b);
          return null;
        }))
        .isInstanceOf(IllegalStateException.class);
  }
}
