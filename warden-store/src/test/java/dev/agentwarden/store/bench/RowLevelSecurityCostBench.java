package dev.agentwarden.store.bench;

import dev.agentwarden.core.auth.Role;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.store.ApiKeys;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.TestDatabases;
import dev.agentwarden.store.Tenants;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of row-level security on the same query: the gateway's real transaction path
 * ({@code Database.inTenant}: set the tenant, query, commit) against {@code api_keys} under its
 * FORCEd policy, and against an identical copy of the table without RLS. 100 tenants with 100
 * keys each, so the policy really filters.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
public class RowLevelSecurityCostBench {
  private Database db;
  private TenantId tenant;
  private UUID keyId;

  @Setup
  public void setUp() throws Exception {
    String adminUrl = TestDatabases.createMigrated();
    db = TestDatabases.connect(adminUrl, 4);
    List<TenantId> tenants = new ArrayList<>();
    for (int t = 0; t < 100; t++) {
      tenants.add(TenantId.random());
    }
    UUID[] picked = new UUID[1];
    db.asOperator(tx -> {
      for (TenantId t : tenants) {
        Tenants.create(tx, t, "bench-" + t);
        tx.actAs(t);
        for (int k = 0; k < 100; k++) {
          UUID id = UUID.randomUUID();
          ApiKeys.insert(tx, id, "key-" + k, Role.AGENT, "wdn_bench", new byte[32], Optional.empty());
          if (k == 50) {
            picked[0] = id;
          }
        }
        tx.actAs(TenantId.OPERATOR);
      }
      return null;
    });
    tenant = tenants.get(tenants.size() - 1);
    keyId = picked[0];
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        Statement st = c.createStatement()) {
      st.execute("set role warden_owner");
      st.execute("alter table warden.api_keys no force row level security");
      st.execute("alter table warden.api_keys disable row level security");
      st.execute("create table warden.bench_plain_keys as select * from warden.api_keys");
      st.execute("alter table warden.api_keys enable row level security");
      st.execute("alter table warden.api_keys force row level security");
      st.execute("alter table warden.bench_plain_keys add primary key (id)");
      st.execute("create index on warden.bench_plain_keys (tenant_id, created_at)");
      st.execute("grant select on warden.bench_plain_keys to warden_app");
      st.execute("analyze warden.api_keys");
      st.execute("analyze warden.bench_plain_keys");
    }
  }

  @TearDown
  public void tearDown() {
    db.close();
  }

  @Benchmark
  public Optional<String> byIdWithRls() {
    return db.inTenant(tenant, tx -> tx.queryOne("select name from api_keys where id = ?", rs -> rs.getString(1), keyId));
  }

  @Benchmark
  public Optional<String> byIdWithoutRls() {
    return db.inTenant(tenant, tx -> tx.queryOne("select name from warden.bench_plain_keys where id = ?", rs -> rs.getString(1), keyId));
  }

  @Benchmark
  public List<String> listWithRls() {
    return db.inTenant(tenant, tx -> tx.query("select name from api_keys order by created_at, id", rs -> rs.getString(1)));
  }

  @Benchmark
  public List<String> listWithoutRlsExplicitWhere() {
    return db.inTenant(tenant, tx -> tx.query(
        "select name from warden.bench_plain_keys where tenant_id = ? order by created_at, id", rs -> rs.getString(1), tenant));
  }
}
