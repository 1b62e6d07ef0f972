package dev.agentwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.CoreException;
import dev.agentwarden.core.audit.AuditChain;
import dev.agentwarden.core.audit.AuditEvent;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.audit.AuditKey;
import dev.agentwarden.core.audit.AuditKeyring;
import dev.agentwarden.core.audit.ExportVerifier;
import dev.agentwarden.core.audit.HashValue;
import dev.agentwarden.core.audit.MerkleTree;
import dev.agentwarden.core.audit.TreeHead;
import dev.agentwarden.core.audit.VerificationResult;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.id.TenantId;
import java.io.StringWriter;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("database")
class AuditLogTest {
  private final KeyEncryptionKey kek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
  private String adminUrl;
  private Database db;
  private AuditLog log;
  private TenantId a;
  private TenantId b;

  @BeforeEach
  void setUp() {
    adminUrl = TestDatabases.createMigrated();
    db = TestDatabases.connect(adminUrl, 8);
    a = TenantId.random();
    b = TenantId.random();
    db.asOperator(tx -> {
      Tenants.create(tx, a, "tenant-a");
      Tenants.create(tx, b, "tenant-b");
      return null;
    });
    log = AuditLog.open(db, kek, new SecureRandom());
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private static ObjectNode body(int i) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("agent_id", "agent-" + (i % 3));
    n.put("rule", "rule-" + i);
    n.put("decision", i % 2 == 0 ? "allow" : "deny");
    return n;
  }

  private VerificationResult verifyExport(TenantId tenant, Optional<TreeHead> checkpoint) {
    StringWriter out = new StringWriter();
    log.export(tenant, 1, OptionalLong.empty(), out);
    ExportVerifier v = ExportVerifier.create(Optional.of(AuditKeyring.of(log.publishedKeys())), checkpoint);
    for (String line : out.toString().split("\n")) {
      v.accept(line);
    }
    return v.finish();
  }

  @Test
  void appendedEvents_exportAndVerifyAgainstThePublishedKey() {
    for (int i = 1; i <= 20; i++) {
      AuditEvent e = log.append(a, "key:test", AuditEventType.POLICY_DECIDED, body(i));
      assertThat(e.seq()).isEqualTo(i);
    }
    VerificationResult r = verifyExport(a, Optional.empty());
    assertThat(r.isVerified()).as(r.toString()).isTrue();
    assertThat(((VerificationResult.Verified) r).count()).isEqualTo(20);
    assertThat(log.size(a)).isEqualTo(20);
    assertThat(log.size(b)).isZero();
  }

  @Test
  void concurrentAppendsOfTwoTenants_areGapFreeAndVerify() throws Exception {
    int threads = 16;
    int perThread = 60;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        TenantId tenant = t % 2 == 0 ? a : b;
        int thread = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            log.append(tenant, "key:thread-" + thread, AuditEventType.TOOL_CALLED, body(i));
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    for (TenantId tenant : List.of(a, b)) {
      List<AuditEvent> all = log.events(tenant, query(0, 1000));
      assertThat(all).extracting(AuditEvent::seq)
          .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, threads / 2 * perThread).boxed().toList());
      VerificationResult r = verifyExport(tenant, Optional.empty());
      assertThat(r.isVerified()).as(r.toString()).isTrue();
    }
  }

  @Test
  void manyConcurrentCallersOfOneTenant_shareCommits_andGetGapFreeDistinctSeqs() throws Exception {
    int threads = 64;
    int perThread = 25;
    List<AuditEvent> acked = java.util.Collections.synchronizedList(new ArrayList<>());
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            acked.add(log.append(a, "system", AuditEventType.TOOL_CALLED, body(i)));
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    int total = threads * perThread;
    assertThat(acked).extracting(AuditEvent::seq).doesNotHaveDuplicates().hasSize(total);
    List<AuditEvent> stored = new ArrayList<>();
    for (long after = 0; after < total; after = stored.getLast().seq()) {
      stored.addAll(log.events(a, query(after, 1000)));
    }
    assertThat(stored).extracting(AuditEvent::seq)
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, total).boxed().toList());
    java.util.Map<Long, AuditEvent> bySeq = new java.util.HashMap<>();
    stored.forEach(e -> bySeq.put(e.seq(), e));
    for (AuditEvent e : acked) {
      assertThat(bySeq.get(e.seq()).hash()).isEqualTo(e.hash());
    }
    // Events committed together share the transaction's timestamp: fewer instants than events.
    assertThat(stored.stream().map(AuditEvent::ts).distinct().count()).isLessThan(total);
    VerificationResult r = verifyExport(a, Optional.empty());
    assertThat(r.isVerified()).as(r.toString()).isTrue();
  }

  @Test
  void batchThatCannotBeStored_failsEveryCallerInIt_andAcknowledgesNothing() throws Exception {
    AuditEvent first = log.append(a, "system", AuditEventType.TOOL_CALLED, body(0));
    // A row that chains but bypasses the chain head: the next batch's first seq is taken.
    db.inTenant(a, tx -> tx.update(
        "insert into audit_events (tenant_id, seq, ts, actor, type, body, prev_hash, hash, key_id, sig)"
            + " values (?, 2, now(), 'x', 'tool.called', '{}', ?, ?, ?, ?)",
        a, first.hash().bytes(), MerkleTree.emptyRoot().bytes(), first.keyId(), new byte[64]));
    int callers = 32;
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int t = 0; t < callers; t++) {
        int i = t;
        pool.submit(() -> {
          try {
            log.append(a, "system", AuditEventType.TOOL_CALLED, body(i));
          } catch (RuntimeException e) {
            failures.add(e);
          }
        });
      }
    }
    assertThat(failures).hasSize(callers).allSatisfy(e -> assertThat(e)
        .isInstanceOf(StoreException.class)
        .extracting(x -> ((StoreException) x).code()).isEqualTo("audit_append_failed"));
    assertThat(log.events(a, query(0, 1000))).extracting(AuditEvent::seq).containsExactly(1L, 2L);
    assertThat(log.size(a)).isEqualTo(1);
  }

  @Test
  void workAlongsideAnEvent_isStoredWithIt_orNeither() {
    java.time.Instant at = java.time.Instant.parse("2026-11-23T10:00:00Z");
    log.append(a, "system", AuditEventType.MODEL_CALLED, body(0),
        List.of(ModelBudgets.recording(a, List.of(ModelBudgets.TENANT), at, 42, 7)));
    assertThat(log.size(a)).isEqualTo(1);
    assertThat(db.inTenant(a, tx -> ModelBudgets.usage(tx, ModelBudgets.TENANT, at)).tokensToday()).isEqualTo(42);

    assertThatThrownBy(() -> log.append(a, "system", AuditEventType.MODEL_CALLED, body(1), List.of(
        ModelBudgets.recording(a, List.of(ModelBudgets.TENANT), at, 1000, 7),
        Tx.Update.of("update no_such_table set x = 1")))).isInstanceOf(StoreException.class)
        .extracting(x -> ((StoreException) x).code()).isEqualTo("audit_append_failed");
    assertThat(log.size(a)).as("the event failed with its work").isEqualTo(1);
    assertThat(db.inTenant(a, tx -> ModelBudgets.usage(tx, ModelBudgets.TENANT, at)).tokensToday())
        .as("the work failed with its event").isEqualTo(42);
    assertThat(db.inTenant(b, tx -> ModelBudgets.usage(tx, ModelBudgets.TENANT, at)).tokensToday()).isZero();
    // Work naming another tenant's rows is stopped by row-level security, and the event with it.
    assertThatThrownBy(() -> log.append(a, "system", AuditEventType.MODEL_CALLED, body(2),
        List.of(ModelBudgets.recording(b, List.of(ModelBudgets.TENANT), at, 5, 5))))
        .isInstanceOf(StoreException.class);
    assertThat(log.size(a)).isEqualTo(1);
    assertThat(db.inTenant(b, tx -> ModelBudgets.usage(tx, ModelBudgets.TENANT, at)).tokensToday()).isZero();
  }

  @Test
  void twoIndependentGatewayInstancesOnOneDatabase_shareOneIdentityAndOneGapFreeChain() throws Exception {
    Database otherPool = TestDatabases.connect(adminUrl, 4);
    try {
      AuditLog other = AuditLog.open(otherPool, kek, new SecureRandom());
      assertThat(other.currentKey()).isEqualTo(log.currentKey());
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          AuditLog target = t % 2 == 0 ? log : other;
          futures.add(pool.submit(() -> {
            for (int i = 0; i < 50; i++) {
              target.append(a, "system", AuditEventType.MODEL_CALLED, body(i));
            }
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      }
      assertThat(log.size(a)).isEqualTo(400);
      VerificationResult r = verifyExport(a, Optional.empty());
      assertThat(r.isVerified()).as(r.toString()).isTrue();
    } finally {
      otherPool.close();
    }
  }

  @Test
  void anotherKek_cannotOpenTheIdentity() {
    KeyEncryptionKey wrong = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    assertThatThrownBy(() -> AuditLog.open(db, wrong, new SecureRandom()))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo("audit_identity_kek_mismatch");
  }

  @Test
  void kekRotation_rewrapsTheActiveSigningKey() {
    KeyEncryptionKey next = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    AuditKey key = log.currentKey();
    AuditLog reopened = AuditLog.open(db, next, List.of(kek), new SecureRandom());
    assertThat(reopened.currentKey()).isEqualTo(key);
    assertThat(AuditLog.open(db, next, new SecureRandom()).currentKey()).isEqualTo(key);
    assertThatThrownBy(() -> AuditLog.open(db, kek, new SecureRandom()))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo("audit_identity_kek_mismatch");
  }

  @Test
  void rotation_keepsOldKeysPublished_andOtherInstancesFollowIt() {
    Database otherPool = TestDatabases.connect(adminUrl, 2);
    try {
      AuditLog other = AuditLog.open(otherPool, kek, new SecureRandom());
      log.append(a, "system", AuditEventType.POLICY_CHANGED, body(1));
      AuditKey first = log.currentKey();
      AuditKey second = log.rotateSigningKey();
      assertThat(second.keyId()).isNotEqualTo(first.keyId());
      AuditEvent afterRotation = other.append(a, "system", AuditEventType.POLICY_CHANGED, body(2));
      assertThat(afterRotation.keyId()).isEqualTo(second.keyId());
      assertThat(log.publishedKeys()).extracting(AuditKey::keyId).containsExactly(first.keyId(), second.keyId());
      assertThat(log.publishedKeys().getFirst().validTo()).isPresent();
      int erased = db.asOperator(tx -> tx.queryOne(
          "select length(wrapped_key) from audit_signing_keys where key_id = ?", rs -> rs.getInt(1), first.keyId())).orElseThrow();
      assertThat(erased).as("a retired key's private half is erased").isZero();
      VerificationResult r = verifyExport(a, Optional.empty());
      assertThat(r.isVerified()).as(r.toString()).isTrue();
    } finally {
      otherPool.close();
    }
  }

  @Test
  void invalidBody_failsTheCallerAndWritesNothing() {
    ObjectNode bad = JsonNodeFactory.instance.objectNode();
    bad.put("amount", new java.math.BigInteger("123456789012345678901234567890"));
    assertThatThrownBy(() -> log.append(a, "system", AuditEventType.TOOL_CALLED, bad)).isInstanceOf(CoreException.class);
    assertThat(log.size(a)).isZero();
    assertThat(log.append(a, "system", AuditEventType.TOOL_CALLED, body(1)).seq()).isEqualTo(1);
  }

  @Test
  void appendForAnUnknownTenant_failsClosed() {
    assertThatThrownBy(() -> log.append(TenantId.random(), "system", AuditEventType.TOOL_CALLED, body(1)))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).code())
        .isEqualTo("audit_append_failed");
  }

  @Test
  void appendInsideTheCallersTransaction_vanishesWithItsRollback_leavingNoGap() {
    assertThatThrownBy(() -> db.inTenant(a, tx -> {
      log.append(tx, "key:admin", AuditEventType.SECRET_CHANGED, body(1));
      throw new IllegalStateException("the action failed after recording");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(log.size(a)).isZero();
    AuditEvent kept = db.inTenant(a, tx -> log.append(tx, "key:admin", AuditEventType.SECRET_CHANGED, body(2)));
    assertThat(kept.seq()).isEqualTo(1);
    assertThat(log.append(a, "system", AuditEventType.SECRET_CHANGED, body(3)).seq()).isEqualTo(2);
  }

  @Test
  void runtimeRole_cannotUpdateOrDeleteEvents() {
    log.append(a, "system", AuditEventType.TOOL_CALLED, body(1));
    for (String sql : List.of(
        "update audit_events set actor = 'mallory'",
        "delete from audit_events",
        "truncate audit_events",
        "delete from audit_checkpoints",
        "update audit_tree_nodes set hash = hash",
        "delete from audit_tree_nodes",
        "truncate audit_tree_nodes",
        "update audit_signing_keys set public_key = public_key")) {
      assertThatThrownBy(() -> db.inTenant(a, tx -> tx.update(sql)))
          .as(sql)
          .isInstanceOf(StoreException.class)
          .extracting(e -> ((StoreException) e).code())
          .isEqualTo("permission_denied");
    }
  }

  @Test
  void tableOwner_isStoppedByTheAppendOnlyTriggers() throws SQLException {
    log.append(a, "system", AuditEventType.TOOL_CALLED, body(1));
    log.append(a, "system", AuditEventType.TOOL_CALLED, body(2));
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        Statement st = c.createStatement()) {
      st.execute("set role " + Migrations.OWNER_ROLE);
      st.execute("set search_path = " + Migrations.SCHEMA);
      st.execute("select set_config('warden.tenant_id', '" + a + "', false)");
      for (String sql : List.of(
          "update audit_events set actor = 'mallory' where seq = 1",
          "delete from audit_events where seq = 2",
          "truncate audit_events cascade",
          "truncate audit_tree_nodes",
          "update audit_heads set seq = 1, hash = (select hash from audit_events where seq = 1)",
          "delete from audit_signing_keys")) {
        assertThatThrownBy(() -> st.execute(sql)).as(sql).isInstanceOf(SQLException.class)
            .hasMessageContaining("refused").extracting(e -> ((SQLException) e).getSQLState()).isIn("42501");
      }
    }
    assertThat(verifyExport(a, Optional.empty()).isVerified()).isTrue();
  }

  @Test
  void eventThatDoesNotChain_isRefusedByTheDatabase() {
    AuditEvent first = log.append(a, "system", AuditEventType.TOOL_CALLED, body(1));
    assertThatThrownBy(() -> db.inTenant(a, tx -> tx.update(
        "insert into audit_events (tenant_id, seq, ts, actor, type, body, prev_hash, hash, key_id, sig)"
            + " values (?, 3, now(), 'x', 'tool.called', '{}', ?, ?, ?, ?)",
        a, first.hash().bytes(), first.hash().bytes(), first.keyId(), new byte[64])))
        .isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> db.inTenant(a, tx -> tx.update(
        "insert into audit_events (tenant_id, seq, ts, actor, type, body, prev_hash, hash, key_id, sig)"
            + " values (?, 2, now(), 'x', 'tool.called', '{}', ?, ?, ?, ?)",
        a, MerkleTree.emptyRoot().bytes(), first.hash().bytes(), first.keyId(), new byte[64])))
        .isInstanceOf(StoreException.class);
    // One statement of several rows: the second chains, the third does not; nothing is stored.
    byte[] second = MerkleTree.leafHash(first.hash()).bytes();
    assertThatThrownBy(() -> db.inTenant(a, tx -> tx.update(
        "insert into audit_events (tenant_id, seq, ts, actor, type, body, prev_hash, hash, key_id, sig)"
            + " values (?, 2, now(), 'x', 'tool.called', '{}', ?, ?, ?, ?), (?, 3, now(), 'x', 'tool.called', '{}', ?, ?, ?, ?)",
        a, first.hash().bytes(), second, first.keyId(), new byte[64],
        a, first.hash().bytes(), second, first.keyId(), new byte[64])))
        .isInstanceOf(StoreException.class);
    assertThat(log.events(a, query(0, 10))).extracting(AuditEvent::seq).containsExactly(1L);
    assertThat(log.append(a, "system", AuditEventType.TOOL_CALLED, body(2)).seq()).isEqualTo(2);
  }

  @Test
  void purge_removesOnlyThatTenantsLog_andOnlyFromTheOperatorScope() {
    log.append(a, "system", AuditEventType.TOOL_CALLED, body(1));
    log.append(b, "system", AuditEventType.TOOL_CALLED, body(1));
    log.latestCheckpoint(a);
    assertThatThrownBy(() -> db.inTenant(a, tx -> AuditLog.purge(tx, a))).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> db.inTenant(a, tx -> tx.queryOne("select audit_purge(?)", rs -> rs.getLong(1), a)))
        .isInstanceOf(StoreException.class);
    long removed = db.asOperator(tx -> AuditLog.purge(tx, a));
    assertThat(removed).isEqualTo(1);
    assertThat(log.size(a)).isZero();
    assertThat(log.size(b)).isEqualTo(1);
  }

  @Test
  void eventQueries_filterByTypeActorAndAgent() {
    for (int i = 1; i <= 12; i++) {
      log.append(a, "key:k" + (i % 2), i % 3 == 0 ? AuditEventType.POLICY_DECIDED : AuditEventType.TOOL_CALLED, body(i));
    }
    assertThat(log.events(a, new AuditLog.EventQuery(0, Optional.of("policy.decided"), Optional.empty(),
        Optional.empty(), Optional.empty(), 100))).extracting(AuditEvent::seq).containsExactly(3L, 6L, 9L, 12L);
    assertThat(log.events(a, new AuditLog.EventQuery(0, Optional.empty(), Optional.of("key:k1"),
        Optional.of("agent-1"), Optional.empty(), 100))).extracting(AuditEvent::seq).containsExactly(1L, 7L);
    assertThat(log.events(a, query(10, 100))).extracting(AuditEvent::seq).containsExactly(11L, 12L);
    assertThat(log.events(b, query(0, 100))).isEmpty();
    for (AuditEvent e : log.events(a, query(0, 5))) {
      assertThat(AuditChain.computeHash(e)).isEqualTo(e.hash());
    }
  }

  @Test
  void checkpointsAndProofs_verify_andALaterLogIsConsistentWithAnEarlierCheckpoint() {
    for (int i = 1; i <= 13; i++) {
      log.append(a, "system", AuditEventType.TOOL_CALLED, body(i));
    }
    TreeHead early = log.latestCheckpoint(a);
    assertThat(early.treeSize()).isEqualTo(13);
    assertThat(log.latestCheckpoint(a)).isEqualTo(early);
    for (int i = 14; i <= 30; i++) {
      log.append(a, "system", AuditEventType.TOOL_CALLED, body(i));
    }
    TreeHead late = log.latestCheckpoint(a);
    AuditKeyring keys = AuditKeyring.of(log.publishedKeys());
    assertThat(late.verify(keys.find(late.keyId()).orElseThrow())).isTrue();

    AuditLog.ConsistencyProof c = log.consistencyProof(a, early.treeSize(), late.treeSize());
    assertThat(c.fromHead()).isEqualTo(early);
    assertThat(MerkleTree.verifyConsistency(13, 30, early.rootHash(), late.rootHash(), c.path())).isTrue();

    for (long seq : new long[] {1, 7, 13, 30}) {
      AuditLog.InclusionProof p = log.inclusionProof(a, seq, 30);
      assertThat(p.treeHead().rootHash()).isEqualTo(late.rootHash());
      assertThat(MerkleTree.verifyInclusion(seq - 1, 30, MerkleTree.leafHash(p.eventHash()), p.path(), late.rootHash()))
          .isTrue();
    }
    assertThat(verifyExport(a, Optional.of(early)).isVerified()).isTrue();
    assertThatThrownBy(() -> log.inclusionProof(a, 31, 30)).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> log.consistencyProof(a, 1, 31)).isInstanceOf(StoreException.class);
  }

  /** Appends {@code count} events: some concurrently (group-commit batches), some one per transaction. */
  private void appendMany(TenantId tenant, int count) throws Exception {
    int concurrent = count / 2;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<AuditEvent>> futures = new ArrayList<>();
      for (int i = 0; i < concurrent; i++) {
        int n = i;
        futures.add(pool.submit(() -> log.append(tenant, "system", AuditEventType.TOOL_CALLED, body(n))));
      }
      for (Future<AuditEvent> f : futures) {
        f.get();
      }
    }
    for (int done = concurrent; done < count; ) {
      int batch = Math.min(count - done, 1 + done % 97);
      int first = done;
      db.inTenant(tenant, tx -> {
        for (int i = 0; i < batch; i++) {
          log.append(tx, "system", AuditEventType.TOOL_CALLED, body(first + i));
        }
        return null;
      });
      done += batch;
    }
  }

  private List<HashValue> leafHashes(TenantId tenant) {
    List<HashValue> out = new ArrayList<>();
    for (List<AuditEvent> page = log.events(tenant, query(0, 1000)); !page.isEmpty();
        page = log.events(tenant, query(page.getLast().seq(), 1000))) {
      page.forEach(e -> out.add(MerkleTree.leafHash(e.hash())));
    }
    return out;
  }

  private static java.util.SortedSet<Long> proofSizes(int total) {
    java.util.SortedSet<Long> sizes = new java.util.TreeSet<>();
    for (long n = 1; n <= 40; n++) {
      sizes.add(n);
    }
    for (long block = 256; block <= total + 1; block += 256) {
      for (long d = -2; d <= 2; d++) {
        sizes.add(block + d);
      }
    }
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < 25; i++) {
      sizes.add(1L + random.nextInt(total));
    }
    sizes.add((long) total);
    sizes.removeIf(n -> n < 1 || n > total);
    return sizes;
  }

  /** Every proof the log serves equals the one computed from all event hashes (the full read). */
  private void assertProofsEqualTheFullRead(TenantId tenant, List<HashValue> leaves) {
    java.util.Random random = new java.util.Random(7);
    for (long n : proofSizes(leaves.size())) {
      List<HashValue> prefix = leaves.subList(0, (int) n);
      java.util.SortedSet<Long> seqs = new java.util.TreeSet<>(List.of(1L, n, (n + 1) / 2, 1L + random.nextInt((int) n)));
      for (long b = 256; b <= n; b += 256) {
        seqs.add(b);
        seqs.add(Math.min(n, b + 1));
      }
      for (long seq : seqs) {
        AuditLog.InclusionProof p = log.inclusionProof(tenant, seq, n);
        assertThat(p.path()).as("leaf %d of %d", seq, n).isEqualTo(MerkleTree.inclusionProof(prefix, seq - 1));
        assertThat(p.treeHead().rootHash()).as("root %d", n).isEqualTo(MerkleTree.root(prefix));
        assertThat(MerkleTree.leafHash(p.eventHash())).isEqualTo(leaves.get((int) seq - 1));
      }
      for (long from : new java.util.TreeSet<>(List.of(0L, 1L, n / 2, n - 1, n, (long) random.nextInt((int) n + 1)))) {
        AuditLog.ConsistencyProof c = log.consistencyProof(tenant, from, n);
        assertThat(c.path()).as("%d to %d", from, n).isEqualTo(MerkleTree.consistencyProof(prefix, from));
        assertThat(c.fromHead().rootHash()).isEqualTo(MerkleTree.root(leaves.subList(0, (int) from)));
        assertThat(MerkleTree.verifyConsistency(from, n, c.fromHead().rootHash(), c.toHead().rootHash(), c.path())).isTrue();
      }
    }
  }

  private long storedTreeNodes(TenantId tenant) {
    return db.inTenant(tenant, tx -> tx.queryOne("select count(*) from audit_tree_nodes", rs -> rs.getLong(1)).orElseThrow());
  }

  @Test
  void proofsFromStoredSubtrees_equalProofsFromEveryEventHash() throws Exception {
    int total = 2_600;
    appendMany(a, total);
    log.append(b, "system", AuditEventType.TOOL_CALLED, body(1));
    // Every complete aligned subtree of 256 leaves and more: 10 + 5 + 2 + 1.
    assertThat(storedTreeNodes(a)).isEqualTo(18);
    assertThat(storedTreeNodes(b)).isZero();
    assertProofsEqualTheFullRead(a, leafHashes(a));

    db.asOperator(tx -> AuditLog.purge(tx, a));
    assertThat(storedTreeNodes(a)).isZero();
  }

  @Test
  void proofsOverEventsFromBeforeTheTreeNodes_fallBackToTheEventHashes() throws Exception {
    int total = 1_700;
    appendMany(a, total);
    // As if the table had come with a migration at seq 1,300: subtrees completed before are missing.
    try (Connection c = DriverManager.getConnection(adminUrl, new Properties());
        Statement st = c.createStatement()) {
      st.execute("set role " + Migrations.OWNER_ROLE);
      st.execute("set search_path = " + Migrations.SCHEMA);
      st.execute("select set_config('warden.tenant_id', '" + a + "', false)");
      st.execute("select set_config('warden.audit_purge', '" + a + "', false)");
      assertThat(st.executeUpdate("delete from audit_tree_nodes where (idx + 1) << level <= 1300")).isEqualTo(8);
    }
    // Left: leaves 1280..1535 (level 8) and 1024..1535 (level 9), completed after seq 1,300.
    assertThat(storedTreeNodes(a)).isEqualTo(2);
    List<HashValue> leaves = leafHashes(a);
    assertProofsEqualTheFullRead(a, leaves);
    appendMany(a, 900);
    assertProofsEqualTheFullRead(a, leafHashes(a));
  }

  @Test
  void partialExport_verifiesItsRange() {
    for (int i = 1; i <= 10; i++) {
      log.append(a, "system", AuditEventType.TOOL_CALLED, body(i));
    }
    StringWriter out = new StringWriter();
    log.export(a, 4, OptionalLong.of(8), out);
    ExportVerifier v = ExportVerifier.create(Optional.of(AuditKeyring.of(log.publishedKeys())), Optional.empty());
    for (String line : out.toString().split("\n")) {
      v.accept(line);
    }
    VerificationResult r = v.finish();
    assertThat(r.isVerified()).as(r.toString()).isTrue();
    VerificationResult.Verified ok = (VerificationResult.Verified) r;
    assertThat(ok.firstSeq()).isEqualTo(4);
    assertThat(ok.lastSeq()).isEqualTo(8);
    assertThat(ok.head().treeSize()).isEqualTo(8);
  }

  private static AuditLog.EventQuery query(long after, int limit) {
    return new AuditLog.EventQuery(after, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), limit);
  }
}
