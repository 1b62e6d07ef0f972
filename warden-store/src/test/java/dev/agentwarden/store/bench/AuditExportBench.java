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
import java.io.Writer;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** Streaming export of a tenant's log of {@value #EVENTS} events, reported per event. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(1)
public class AuditExportBench {
  static final int EVENTS = 5_000;

  private java.nio.file.Path dir;
  private EmbeddedPostgres pg;
  private Database db;
  private AuditLog log;
  private TenantId tenant;

  @Setup
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("audit-export-bench");
    pg = EmbeddedPostgres.start(dir.resolve("pg"));
    Migrations.apply(pg.adminUrl(), "bench-password");
    db = Database.connect(pg.adminUrl(), "bench-password", 40);
    log = AuditLog.open(db, KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial()), new SecureRandom());
    tenant = TenantId.random();
    db.asOperator(tx -> Tenants.create(tx, tenant, "export-bench"));
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 40; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < EVENTS / 40; i++) {
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
  @OperationsPerInvocation(EVENTS)
  public void export() {
    log.export(tenant, 1, OptionalLong.empty(), Writer.nullWriter());
  }
}
