package dev.agentwarden.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Reads the catalog after all migrations: a migration that adds a tenant table without
 * row-level security, FORCE or a tenant policy fails the build here.
 */
@Tag("database")
class RowLevelSecurityCatalogTest {
  private static String adminUrl;

  @BeforeAll
  static void migrate() {
    adminUrl = TestDatabases.createMigrated();
  }

  private static List<String> strings(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }

  @Test
  void everyTableWithTenantId_hasRlsEnabledForcedAndATenantPolicy() throws SQLException {
    List<String> tenantTables = strings(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped"
            + " where n.nspname = 'warden' and c.relkind in ('r', 'p') order by 1");
    assertThat(tenantTables).contains("api_keys", "rate_buckets", "idempotency_keys");

    List<String> offenders = strings(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped"
            + " where n.nspname = 'warden' and c.relkind in ('r', 'p')"
            + " and (not c.relrowsecurity or not c.relforcerowsecurity or not exists ("
            + "   select 1 from pg_policy p where p.polrelid = c.oid"
            + "   and pg_get_expr(p.polqual, p.polrelid) like '%current_setting(''warden.tenant_id''%'"
            + "   and (p.polwithcheck is null or pg_get_expr(p.polwithcheck, p.polrelid) like '%current_setting(''warden.tenant_id''%')))");
    assertThat(offenders).as("tenant tables lacking RLS, FORCE or a tenant policy").isEmpty();
  }

  @Test
  void everyTableInTheSchema_hasRlsEnabledAndForced() throws SQLException {
    List<String> offenders = strings(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " where n.nspname = 'warden' and c.relkind in ('r', 'p')"
            + " and c.relname <> 'flyway_schema_history'"
            + " and (not c.relrowsecurity or not c.relforcerowsecurity)");
    assertThat(offenders).isEmpty();
  }

  @Test
  void runtimeRole_cannotBypassRowLevelSecurity() throws SQLException {
    List<String> flags = strings(
        "select rolsuper::text || ',' || rolbypassrls::text || ',' || rolcreaterole::text || ',' || rolcreatedb::text"
            + " from pg_roles where rolname = 'warden_app'");
    assertThat(flags).containsExactly("false,false,false,false");

    List<String> owned = strings(
        "select c.relname from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = 'warden_app'");
    assertThat(owned).as("tables owned by the runtime role").isEmpty();

    List<String> memberships = strings(
        "select b.rolname from pg_auth_members m join pg_roles r on r.oid = m.member"
            + " join pg_roles b on b.oid = m.roleid where r.rolname = 'warden_app'");
    assertThat(memberships).as("roles the runtime role inherits").isEmpty();

    List<String> schemaCreate = strings("select has_schema_privilege('warden_app', 'warden', 'CREATE')::text");
    assertThat(schemaCreate).containsExactly("false");
  }

  @Test
  void runtimeRole_connectsAsItselfNotAsTheOwner() throws SQLException {
    try (Database db = TestDatabases.connect(adminUrl, 1)) {
      String who = db.asOperator(tx -> tx.queryOne("select current_user", rs -> rs.getString(1))).orElseThrow();
      assertThat(who).isEqualTo("warden_app");
    }
  }
}
