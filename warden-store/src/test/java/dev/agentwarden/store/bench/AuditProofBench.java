package dev.agentwarden.store.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.EmbeddedPostgres;
import dev.agentwarden.store.Migrations;
import dev.agentwarden.store.Tenants;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency of an inclusion and a consistency proof in a tenant's log of {@value #EVENTS} events,
 * with the stored subtree hashes ({@code stored}) and without them, as a log written before they
 * existed ({@code none}: every event hash is read, as all proofs did before).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class AuditProofBench {
  static final int EVENTS = 131_075;

  @Param({"stored", "none"})
  public String treeNodes;

  private java.nio.file.Path dir;
  private EmbeddedPostgres pg;
  private Database db;
  private AuditLog log;
  private TenantId tenant;
  private final SplittableRandom random = new SplittableRandom(1);

  @Setup
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("audit-proof-bench");
    pg = EmbeddedPostgres.start(dir.resolve("pg"));
    Migrations.apply(pg.adminUrl(), "bench-password");
    db = Database.connect(pg.adminUrl(), "bench-password", 70);
    log = AuditLog.open(db, KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial()), new SecureRandom());
    tenant = TenantId.random();
    db.asOperator(tx -> Tenants.create(tx, tenant, "proof-bench"));
    int callers = 64;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < callers; t++) {
        int share = EVENTS / callers + (t < EVENTS % callers ? 1 : 0);
        done.add(pool.submit(() -> {
          for (int i = 0; i < share; i++) {
            log.append(tenant, "key:bench", AuditEventType.TOOL_CALLED,
                JsonNodeFactory.instance.objectNode().put("agent_id", "agent-1").put("i", i));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    if (treeNodes.equals("none")) {
      try (Connection c = DriverManager.getConnection(pg.adminUrl(), new Properties());
          Statement st = c.createStatement()) {
        st.execute("set role " + Migrations.OWNER_ROLE);
        st.execute("set search_path = " + Migrations.SCHEMA);
        st.execute("select set_config('warden.tenant_id', '" + tenant + "', false)");
        st.execute("select set_config('warden.audit_purge', '" + tenant + "', false)");
        st.execute("delete from audit_tree_nodes");
      }
    }
  }

  @TearDown
  public void tearDown() throws java.io.IOException {
    db.close();
    pg.close();
    try (var paths = Files.walk(dir)) {
      for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Benchmark
  public AuditLog.InclusionProof inclusion() {
    return log.inclusionProof(tenant, 1 + random.nextInt(EVENTS), EVENTS);
  }

  @Benchmark
  public AuditLog.ConsistencyProof consistency() {
    return log.consistencyProof(tenant, 1 + random.nextInt(EVENTS), EVENTS);
  }
}
