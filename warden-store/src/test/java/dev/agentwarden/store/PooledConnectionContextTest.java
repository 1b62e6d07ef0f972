package dev.agentwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.auth.Role;
import dev.agentwarden.core.id.TenantId;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** One pooled connection serves A, then B: B never sees A's context or rows. */
@Tag("database")
class PooledConnectionContextTest {
  private static Database single;
  private static TenantId a;
  private static TenantId b;

  @BeforeAll
  static void seed() {
    single = TestDatabases.connect(TestDatabases.createMigrated(), 1);
    a = TenantId.random();
    b = TenantId.random();
    single.asOperator(tx -> {
      Tenants.create(tx, a, "a");
      Tenants.create(tx, b, "b");
      tx.actAs(a);
      ApiKeys.insert(tx, UUID.randomUUID(), "a-key", Role.ADMIN, "wdn_a", new byte[32], Optional.empty());
      tx.actAs(b);
      ApiKeys.insert(tx, UUID.randomUUID(), "b-key", Role.ADMIN, "wdn_b", new byte[32], Optional.empty());
      return null;
    });
  }

  @AfterAll
  static void close() {
    single.close();
  }

  private static List<String> keyNames(TenantId t) {
    return single.inTenant(t, tx -> tx.query("select name from api_keys", rs -> rs.getString(1)));
  }

  @Test
  void afterCommit_theConnectionCarriesNoTenant() throws SQLException {
    assertThat(keyNames(a)).containsExactly("a-key");
    assertThat(single.unscopedSetting()).isNullOrEmpty();
    assertThat(keyNames(b)).containsExactly("b-key");
  }

  @Test
  void afterAnExceptionMidTransaction_theNextTenantSeesOnlyItsOwnRows() throws SQLException {
    assertThatThrownBy(() -> single.inTenant(a, tx -> {
          tx.update("update api_keys set name = 'half-written'");
          throw new IllegalStateException("boom");
        }))
        .hasMessage("boom");
    assertThat(single.unscopedSetting()).isNullOrEmpty();
    assertThat(keyNames(b)).containsExactly("b-key");
    assertThat(keyNames(a)).containsExactly("a-key");
  }

  @Test
  void afterASqlErrorMidTransaction_theNextTenantSeesOnlyItsOwnRows() throws SQLException {
    assertThatThrownBy(() -> single.inTenant(a, tx -> tx.update("select no_such_column from api_keys")))
        .isInstanceOf(StoreException.class);
    assertThat(single.unscopedSetting()).isNullOrEmpty();
    assertThat(keyNames(b)).containsExactly("b-key");
  }

  /**
   * The tenant context travels with the transaction's first statement, whatever kind it is: a
   * write, a single-row read, a paged read or a statement on the raw connection.
   */
  @Test
  void everyKindOfFirstStatement_runsInsideItsTenant() throws SQLException {
    int updated = single.inTenant(a, tx -> tx.update("update api_keys set name = name"));
    assertThat(updated).isEqualTo(1);
    Optional<String> one = single.inTenant(b, tx -> tx.queryOne("select name from api_keys", rs -> rs.getString(1)));
    assertThat(one).contains("b-key");
    List<String> paged = new java.util.ArrayList<>();
    single.inTenant(a, tx -> {
      tx.forEach("select name from api_keys", 10, rs -> {
        paged.add(rs.getString(1));
        return null;
      });
      return null;
    });
    assertThat(paged).containsExactly("a-key");
    String raw = single.inTenant(b, tx -> {
      try (var st = tx.connection().prepareStatement("select name from api_keys");
          var rs = st.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    });
    assertThat(raw).isEqualTo("b-key");
    assertThat(single.unscopedSetting()).isNullOrEmpty();
  }
}
