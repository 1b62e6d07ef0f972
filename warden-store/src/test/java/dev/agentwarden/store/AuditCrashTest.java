package dev.agentwarden.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentwarden.core.audit.AuditEvent;
import dev.agentwarden.core.audit.AuditKeyring;
import dev.agentwarden.core.audit.ExportVerifier;
import dev.agentwarden.core.audit.VerificationResult;
import dev.agentwarden.core.crypto.InsecureSecretAccess;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.id.TenantId;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real separate JVM processes ({@link AuditAppendWorker}) appending to one tenant: killed with
 * SIGKILL mid-stream, and two at once.
 */
@Tag("database")
class AuditCrashTest {
  private final SecretValue material = KeyEncryptionKey.generateLocalMaterial();
  private final KeyEncryptionKey kek = KeyEncryptionKey.local(material);
  private final TenantId tenant = TenantId.random();
  private final List<Long> duplicates = new java.util.concurrent.CopyOnWriteArrayList<>();
  private String adminUrl;

  @BeforeEach
  void setUp() {
    adminUrl = TestDatabases.createMigrated();
    try (Database db = TestDatabases.connect(adminUrl, 2)) {
      db.asOperator(tx -> Tenants.create(tx, tenant, "crash"));
    }
  }

  /** A worker process; its "ack" lines are collected into {@code acks} (seq -> hash). */
  private Process worker(int threads, int perThread, Map<Long, String> acks, CountDownLatch finished) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        AuditAppendWorker.class.getName(), adminUrl, material.reveal(InsecureSecretAccess.get()), tenant.toString(),
        Integer.toString(threads), Integer.toString(perThread));
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    Thread.ofVirtual().start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.startsWith("ack ")) {
            String[] parts = line.split(" ");
            if (acks.putIfAbsent(Long.parseLong(parts[1]), parts[2]) != null) {
              duplicates.add(Long.parseLong(parts[1]));
            }
          }
        }
      } catch (java.io.IOException e) {
        // the process was killed: its pipe closes
      } finally {
        finished.countDown();
      }
    });
    return p;
  }

  private VerificationResult.Verified verifiedExport(AuditLog log) {
    StringWriter out = new StringWriter();
    log.export(tenant, 1, OptionalLong.empty(), out);
    ExportVerifier v = ExportVerifier.create(Optional.of(AuditKeyring.of(log.publishedKeys())), Optional.empty());
    for (String line : out.toString().split("\n")) {
      v.accept(line);
    }
    VerificationResult r = v.finish();
    assertThat(r.isVerified()).as(r.toString()).isTrue();
    return (VerificationResult.Verified) r;
  }

  private void assertEveryAckIsStored(AuditLog log, Map<Long, String> acks) {
    long last = 0;
    while (true) {
      List<AuditEvent> page = log.events(tenant,
          new AuditLog.EventQuery(last, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 1000));
      if (page.isEmpty()) {
        break;
      }
      for (AuditEvent e : page) {
        String acked = acks.get(e.seq());
        if (acked != null) {
          assertThat(e.hash().hex()).as("event %d", e.seq()).isEqualTo(acked);
        }
        last = e.seq();
      }
    }
    assertThat(acks.keySet()).allSatisfy(seq -> assertThat(seq).isLessThanOrEqualTo(log.size(tenant)));
  }

  @Test
  void sigkillDuringHeavyAppending_leavesAVerifyingChainHoldingEveryAcknowledgedEvent() throws Exception {
    Map<Long, String> acks = new ConcurrentHashMap<>();
    CountDownLatch finished = new CountDownLatch(1);
    Process p = worker(8, 1_000_000, acks, finished);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (acks.size() < 1500 && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(acks.size()).as("the worker acknowledged appends before it was killed").isGreaterThanOrEqualTo(1500);
    assertThat(duplicates).as("seqs acknowledged twice").isEmpty();
    p.destroyForcibly(); // SIGKILL: no shutdown hook, no rollback, transactions cut mid-flight
    p.waitFor();
    finished.await();
    try (Database db = TestDatabases.connect(adminUrl, 2)) {
      AuditLog log = AuditLog.open(db, kek, new SecureRandom());
      VerificationResult.Verified v = verifiedExport(log);
      assertThat(v.count()).isGreaterThanOrEqualTo(acks.size());
      assertEveryAckIsStored(log, acks);
      // The chain continues after the crash.
      assertThat(log.append(tenant, "system", dev.agentwarden.core.audit.AuditEventType.TOOL_CALLED,
          com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()).seq()).isEqualTo(v.count() + 1);
    }
  }

  @Test
  void twoProcessesAppendingToOneTenant_produceOneGapFreeChain() throws Exception {
    Map<Long, String> acks = new ConcurrentHashMap<>();
    CountDownLatch finished = new CountDownLatch(2);
    Process one = worker(4, 150, acks, finished);
    Process two = worker(4, 150, acks, finished);
    assertThat(one.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(two.waitFor(180, TimeUnit.SECONDS)).isTrue();
    finished.await();
    assertThat(one.exitValue()).isZero();
    assertThat(two.exitValue()).isZero();
    assertThat(duplicates).as("seqs acknowledged twice").isEmpty();
    assertThat(acks).hasSize(1200);
    assertThat(acks.keySet()).containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.rangeClosed(1, 1200).boxed().toList());
    try (Database db = TestDatabases.connect(adminUrl, 2)) {
      AuditLog log = AuditLog.open(db, kek, new SecureRandom());
      assertThat(verifiedExport(log).count()).isEqualTo(1200);
      assertEveryAckIsStored(log, acks);
    }
  }
}
