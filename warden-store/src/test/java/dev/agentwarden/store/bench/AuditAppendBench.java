package dev.agentwarden.store.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEvent;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.EmbeddedPostgres;
import dev.agentwarden.store.Migrations;
import dev.agentwarden.store.Tenants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable audit appends on an embedded PostgreSQL with production settings (fsync on), through
 * {@link AuditLog#append}: each op returns only after its transaction committed with
 * synchronous_commit on. Run with -t 1 (one caller) or -t 32 (concurrent callers share group
 * commits); {@code oneTenant} appends to a single tenant, {@code ownTenant} one tenant per thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(1)
public class AuditAppendBench {
  private Path dir;
  private EmbeddedPostgres pg;
  private Database db;
  private AuditLog log;
  private TenantId shared;
  private final AtomicInteger tenants = new AtomicInteger();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("audit-bench");
    pg = EmbeddedPostgres.start(dir.resolve("pg"));
    Migrations.apply(pg.adminUrl(), "bench-password");
    db = Database.connect(pg.adminUrl(), "bench-password", 40);
    log = AuditLog.open(db, KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial()), new SecureRandom());
    shared = newTenant();
  }

  TenantId newTenant() {
    TenantId t = TenantId.random();
    db.asOperator(tx -> Tenants.create(tx, t, "bench-" + tenants.incrementAndGet()));
    return t;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws java.io.IOException {
    db.close();
    pg.close();
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** One tenant per benchmark thread. */
  @State(Scope.Thread)
  public static class Own {
    TenantId tenant;

    @Setup(Level.Trial)
    public void setUp(AuditAppendBench bench) {
      tenant = bench.newTenant();
    }
  }

  private static ObjectNode body() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("agent_id", "agent-7");
    n.put("rule", "allow-docs");
    n.put("decision", "allow");
    n.put("target", "https://docs.example.com/guide?q=1");
    return n;
  }

  @Benchmark
  public AuditEvent oneTenant() {
    return log.append(shared, "key:bench", AuditEventType.POLICY_DECIDED, body());
  }

  @Benchmark
  public AuditEvent ownTenant(Own own) {
    return log.append(own.tenant, "key:bench", AuditEventType.POLICY_DECIDED, body());
  }
}
