package dev.agentwarden.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.CoreException;
import dev.agentwarden.core.audit.AuditChain;
import dev.agentwarden.core.audit.AuditEntry;
import dev.agentwarden.core.audit.AuditEvent;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.audit.AuditExport;
import dev.agentwarden.core.audit.AuditKey;
import dev.agentwarden.core.audit.AuditSigner;
import dev.agentwarden.core.audit.AuditTime;
import dev.agentwarden.core.audit.HashValue;
import dev.agentwarden.core.audit.MerkleRange;
import dev.agentwarden.core.audit.MerkleTree;
import dev.agentwarden.core.audit.TreeHead;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.json.CanonicalJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The single entry point of the audit log: every capability records through it.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>Appends of one tenant serialise on a row lock of that tenant's chain head ({@code
 *       audit_heads ... FOR UPDATE}); tenants never wait for each other. Sequence numbers are
 *       gap-free from 1 across threads and gateway processes, and the database itself refuses an
 *       event that does not chain from the stored one before it.
 *   <li>{@link #append(TenantId, String, AuditEventType, ObjectNode)} returns only after the
 *       transaction holding the event committed with {@code synchronous_commit = on}: an event
 *       that was acknowledged survives a crash. Concurrent appends of one tenant in one process
 *       share a transaction (group commit) for throughput.
 *   <li>Fail closed: if the event cannot be validated, signed or stored, the call throws, and the
 *       caller's action must fail with it. {@link #append(Tx, String, AuditEventType, ObjectNode)}
 *       records inside the caller's own transaction, so the action and its record commit together
 *       or not at all.
 * </ul>
 *
 * <p>Event timestamps come from the database clock ({@code clock_timestamp()}), the one clock all
 * gateway processes share, and never go backwards within a chain.
 */
public final class AuditLog {
  /** Most events one transaction appends. */
  static final int MAX_BATCH = 512;
  private static final int EXPORT_FETCH = 1_000;
  private static final String EVENT_COLUMNS = "tenant_id, seq, ts, actor, type, body, prev_hash, hash, key_id, sig";

  private final Database db;
  private final AuditIdentity identity;
  private final ConcurrentHashMap<TenantId, Lane> lanes = new ConcurrentHashMap<>();

  private AuditLog(Database db, AuditIdentity identity) {
    this.db = db;
    this.identity = identity;
  }

  /**
   * Opens the log, loading the installation's signing key (wrapped by {@code kek}) or creating
   * the first one.
   */
  public static AuditLog open(Database db, KeyEncryptionKey kek, SecureRandom random) {
    return open(db, kek, List.of(), random);
  }

  /** As {@link #open(Database, KeyEncryptionKey, SecureRandom)}, re-wrapping a key still under a previous KEK. */
  public static AuditLog open(Database db, KeyEncryptionKey kek, List<KeyEncryptionKey> previousKeks, SecureRandom random) {
    Objects.requireNonNull(db, "db");
    return new AuditLog(db, AuditIdentity.loadOrCreate(db, kek, previousKeks, random));
  }

  // ---------------------------------------------------------------- appending

  /**
   * Records one event of {@code tenant} in its own transaction; returns once it is durable.
   *
   * @throws CoreException if the body or actor is invalid (nothing is written)
   * @throws StoreException {@code audit_append_failed} if it could not be signed or stored
   */
  public AuditEvent append(TenantId tenant, String actor, AuditEventType type, ObjectNode body) {
    return append(tenant, actor, type, body, List.of());
  }

  /**
   * As {@link #append(TenantId, String, AuditEventType, ObjectNode)}, and runs the statements
   * {@code alongside} in the transaction that stores the event, in the same round trip: the two
   * are durable together or not at all (a model call's usage is counted exactly when its record
   * exists). They run in the batch of other callers' events, after the tenant's chain head is
   * locked, and must not fail for reasons of their own caller alone, since a failure fails the
   * whole batch.
   */
  public AuditEvent append(TenantId tenant, String actor, AuditEventType type, ObjectNode body,
      List<Tx.Update> alongside) {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(alongside, "alongside");
    if (tenant.isOperator()) {
      throw new StoreException("audit_append_failed", "the operator scope has no audit chain");
    }
    Pending pending = new Pending(draft(tenant, actor, type, body), alongside);
    lanes.computeIfAbsent(tenant, Lane::new).submit(pending);
    return pending.await();
  }


  /**
   * Records one event inside the caller's transaction, in that transaction's tenant. The event
   * exists exactly when the caller's transaction commits; the tenant's chain stays locked until
   * then, so keep such transactions short.
   */
  public AuditEvent append(Tx tx, String actor, AuditEventType type, ObjectNode body) throws SQLException {
    Objects.requireNonNull(tx, "tx");
    if (tx.tenant().isOperator()) {
      throw new StoreException("audit_append_failed", "the operator scope has no audit chain");
    }
    return appendAll(tx, List.of(draft(tx.tenant(), actor, type, body)), List.of()).getFirst();
  }

  /**
   * Records one event in the operator's own chain (the nil tenant id) inside the caller's
   * operator transaction: a tenant purge deletes the tenant's chain, and its record lives on here.
   * Nothing else writes this chain, so a tenant action run in the operator scope by mistake still
   * fails in {@link #append(Tx, String, AuditEventType, ObjectNode)}.
   */
  public AuditEvent appendToOperatorChain(Tx operatorTx, String actor, AuditEventType type, ObjectNode body)
      throws SQLException {
    if (!operatorTx.tenant().isOperator()) {
      throw new StoreException("permission_denied", "only the operator scope writes the operator's chain");
    }
    return appendAll(operatorTx, List.of(draft(operatorTx.tenant(), actor, type, body)), List.of()).getFirst();
  }

  private static AuditEntry draft(TenantId tenant, String actor, AuditEventType type, ObjectNode body) {
    // Validates actor and body now, so a bad entry fails its caller alone, before any batch.
    return new AuditEntry(tenant.toString(), Instant.EPOCH, actor, type, body);
  }

  private List<AuditEvent> appendAll(Tx tx, List<AuditEntry> drafts, List<Tx.Update> alongside) throws SQLException {
    Locked locked = lockHeadAndKey(tx);
    Head head = locked.head();
    AuditSigner signer = identity.signerFor(tx, locked.activeKeyId());
    Instant ts = head.now();
    if (head.lastTs().isPresent() && head.lastTs().get().isAfter(ts)) {
      ts = head.lastTs().get();
    }
    MerkleRange range = MerkleRange.restore(head.seq(), head.frontier());
    List<AuditEvent> events = new ArrayList<>(drafts.size());
    List<TreeNodes.Node> nodes = new ArrayList<>();
    MerkleRange.CompletedSubtree keep = (level, index, hash) -> {
      if (level >= TreeNodes.MIN_LEVEL) {
        nodes.add(new TreeNodes.Node(level, index, hash));
      }
    };
    HashValue prev = head.hash();
    long seq = head.seq();
    try {
      for (AuditEntry d : drafts) {
        AuditEntry entry = new AuditEntry(d.tenantId(), ts, d.actor(), d.type(), d.body());
        AuditEvent e = AuditChain.seal(entry, ++seq, prev, signer);
        events.add(e);
        range.append(MerkleTree.leafHash(e.hash()), keep);
        prev = e.hash();
      }
    } catch (CoreException e) {
      throw new StoreException("audit_append_failed", "cannot seal audit event: " + e.getMessage(), e);
    }
    // One round trip for the rest: the events, the completed subtrees, the head (which may move
    // only onto a stored event, so it goes after them) and the callers' work alongside.
    List<Tx.Update> updates = new ArrayList<>();
    updates.add(insertion(tx, events));
    TreeNodes.insertion(tx, nodes).ifPresent(updates::add);
    updates.add(Tx.Update.of(
        "update audit_heads set seq = ?, hash = ?, frontier = ?, last_ts = ? where tenant_id = ? and seq = ?",
        seq, prev.bytes(), concat(range.frontier()), ts, tx.tenant(), head.seq()));
    int headAt = updates.size() - 1;
    updates.addAll(alongside);
    int[] counts = tx.updateAll(updates);
    if (counts[0] != events.size()) {
      throw new StoreException("audit_append_failed", "the database stored a different number of audit events");
    }
    if (headAt == 2 && counts[1] != nodes.size()) {
      throw new StoreException("audit_append_failed", "the database stored a different number of audit tree nodes");
    }
    if (counts[headAt] != 1) {
      throw new StoreException("audit_append_failed", "the audit chain head moved under its lock");
    }
    return events;
  }

  /**
   * One statement for the whole batch: per-row statements cost the server an executor start and
   * a round of trigger set-up each, which made a batch of 50 events cost tens of milliseconds.
   * Rows go in seq order, so the chain trigger finds each event's predecessor already stored.
   */
  private static Tx.Update insertion(Tx tx, List<AuditEvent> events) throws SQLException {
    int n = events.size();
    Long[] seqs = new Long[n];
    String[] actors = new String[n];
    String[] types = new String[n];
    String[] bodies = new String[n];
    byte[][] prevHashes = new byte[n][];
    byte[][] hashes = new byte[n][];
    byte[][] sigs = new byte[n][];
    @Nullable String[] agents = new String[n];
    @Nullable String[] providers = new String[n];
    for (int i = 0; i < n; i++) {
      AuditEvent e = events.get(i);
      ObjectNode body = e.body();
      seqs[i] = e.seq();
      actors[i] = e.actor();
      types[i] = e.type();
      bodies[i] = CanonicalJson.canonicalString(body);
      prevHashes[i] = e.prevHash().bytes();
      hashes[i] = e.hash().bytes();
      sigs[i] = java.util.Base64.getUrlDecoder().decode(e.sig());
      agents[i] = topLevelText(body, "agent_id");
      providers[i] = topLevelText(body, "provider_id");
    }
    AuditEvent first = events.getFirst();
    java.sql.Connection c = tx.connection();
    return Tx.Update.of(
        "insert into audit_events (" + EVENT_COLUMNS + ", agent_id, provider_id)"
            + " select ?, r.seq, ?, r.actor, r.type, r.body, r.prev_hash, r.hash, ?, r.sig, r.agent_id, r.provider_id"
            + " from unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::bytea[], ?::bytea[], ?::bytea[], ?::text[], ?::text[])"
            + " as r(seq, actor, type, body, prev_hash, hash, sig, agent_id, provider_id) order by r.seq",
        java.util.UUID.fromString(first.tenantId()), first.ts(), first.keyId(),
        c.createArrayOf("bigint", seqs), c.createArrayOf("text", actors), c.createArrayOf("text", types),
        c.createArrayOf("text", bodies), c.createArrayOf("bytea", prevHashes), c.createArrayOf("bytea", hashes),
        c.createArrayOf("bytea", sigs), c.createArrayOf("text", agents), c.createArrayOf("text", providers));
  }

  private static @Nullable String topLevelText(JsonNode body, String field) {
    JsonNode v = body.get(field);
    return v != null && v.isTextual() && v.textValue().length() <= 200 ? v.textValue() : null;
  }

  private record Head(long seq, HashValue hash, List<HashValue> frontier, Optional<Instant> lastTs, Instant now) {}

  private record Locked(Head head, String activeKeyId) {}

  /**
   * One round trip: locks the tenant's chain head (FOR UPDATE: appends of the tenant serialise
   * here), holds the active signing key against rotation (FOR SHARE), reads the database clock
   * and turns synchronous commit on for this transaction. No row means the tenant has no head
   * yet, or a rotation committed while we waited (its new key is visible to the next statement).
   */
  private static Locked lockHeadAndKey(Tx tx) throws SQLException {
    for (int attempt = 0; attempt < 3; attempt++) {
      Optional<Locked> locked = tx.queryOne(
          "select h.seq, h.hash, h.frontier, h.last_ts, clock_timestamp() as now, k.key_id,"
              + " set_config('synchronous_commit', 'on', true) as sync"
              + " from audit_heads h cross join audit_signing_keys k"
              + " where h.tenant_id = ? and k.valid_to is null"
              + " for update of h for share of k",
          rs -> new Locked(
              new Head(rs.getLong("seq"), HashValue.of(rs.getBytes("hash")), split(rs.getBytes("frontier")),
                  Tx.instant(rs, "last_ts"), Tx.requiredInstant(rs, "now")),
              rs.getString("key_id")),
          tx.tenant());
      if (locked.isPresent()) {
        return locked.get();
      }
      tx.update(
          "insert into audit_heads (tenant_id, seq, hash, frontier) values (?, 0, audit_genesis(?), ''::bytea)"
              + " on conflict (tenant_id) do nothing",
          tx.tenant(), tx.tenant());
    }
    throw new StoreException("audit_append_failed", "cannot lock the audit chain head and an active signing key");
  }

  /**
   * Group commit for one tenant in this process. Callers queue their entry; the caller that finds
   * no committer running becomes it, in its own thread (an idle tenant's event costs no hand-off
   * to another thread and back), takes everything queued, up to {@link #MAX_BATCH}, appends it in
   * one transaction under the chain head's row lock, and acknowledges each caller only after that
   * transaction committed. While it commits, new callers queue up for the next batch, so the batch
   * grows with the load and a tenant costs one durable commit per batch, not per event. Once its
   * own entry is done, the caller hands what is still queued to a virtual thread, so no caller
   * waits on other callers' batches for longer than one batch. If a batch fails, every caller in
   * it fails.
   */
  private final class Lane {
    final TenantId tenant;
    final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    final AtomicBoolean committing = new AtomicBoolean();

    Lane(TenantId tenant) {
      this.tenant = tenant;
    }

    void submit(Pending pending) {
      queue.add(pending);
      if (!committing.compareAndSet(false, true)) {
        return;
      }
      try {
        while (!pending.result.isDone()) {
          List<Pending> batch = nextBatch();
          if (batch.isEmpty()) {
            break;
          }
          commit(batch);
        }
      } finally {
        committing.set(false);
      }
      // Entries queued while this caller committed whose callers found the flag set.
      if (!queue.isEmpty()) {
        startCommitterIfIdle();
      }
    }

    private void startCommitterIfIdle() {
      if (committing.compareAndSet(false, true)) {
        Thread.ofVirtual().name("audit-commit-" + tenant).start(this::commitWhileQueued);
      }
    }

    private void commitWhileQueued() {
      do {
        try {
          for (List<Pending> batch = nextBatch(); !batch.isEmpty(); batch = nextBatch()) {
            commit(batch);
          }
        } finally {
          committing.set(false);
        }
        // An entry queued after the last poll but before the flag was cleared found it still set.
      } while (!queue.isEmpty() && committing.compareAndSet(false, true));
    }

    private List<Pending> nextBatch() {
      List<Pending> batch = new ArrayList<>();
      for (Pending p; batch.size() < MAX_BATCH && (p = queue.poll()) != null; ) {
        batch.add(p);
      }
      return batch;
    }

    private void commit(List<Pending> batch) {
      try {
        List<AuditEvent> events = db.inTenant(tenant, tx -> appendAll(tx, batch.stream().map(p -> p.entry).toList(),
            batch.stream().flatMap(p -> p.alongside.stream()).toList()));
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).result.complete(events.get(i));
        }
      } catch (RuntimeException | Error e) {
        StoreException failure = e instanceof StoreException se && se.code().equals("audit_append_failed")
            ? se : new StoreException("audit_append_failed", "the audit event could not be stored", e);
        batch.forEach(p -> p.result.completeExceptionally(failure));
      }
    }
  }

  private static final class Pending {
    final AuditEntry entry;
    final List<Tx.Update> alongside;
    final CompletableFuture<AuditEvent> result = new CompletableFuture<>();

    Pending(AuditEntry entry, List<Tx.Update> alongside) {
      this.entry = entry;
      this.alongside = List.copyOf(alongside);
    }

    /** Waits until the batch holding this entry committed or failed. */
    AuditEvent await() {
      try {
        return result.get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof StoreException se) {
          throw new StoreException(se.code(), se.getMessage(), se);
        }
        throw new StoreException("audit_append_failed", "the audit event could not be stored", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException("audit_append_failed", "interrupted while the audit event was being stored", e);
      }
    }
  }

  // ---------------------------------------------------------------- reading

  /** A page of events matching every given filter, in seq order after {@code afterSeq}. */
  public record EventQuery(
      long afterSeq, Optional<String> type, Optional<String> actor, Optional<String> agentId,
      Optional<String> providerId, int limit) {
    public EventQuery {
      if (afterSeq < 0 || limit < 1 || limit > 1000) {
        throw new StoreException("invalid_query", "after_seq must be >= 0 and limit between 1 and 1000");
      }
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(actor, "actor");
      Objects.requireNonNull(agentId, "agentId");
      Objects.requireNonNull(providerId, "providerId");
    }
  }

  public List<AuditEvent> events(TenantId tenant, EventQuery q) {
    StringBuilder sql = new StringBuilder("select " + EVENT_COLUMNS + " from audit_events where tenant_id = ? and seq > ?");
    List<Object> args = new ArrayList<>(List.of(tenant, q.afterSeq()));
    addFilter(sql, args, "type", q.type());
    addFilter(sql, args, "actor", q.actor());
    addFilter(sql, args, "agent_id", q.agentId());
    addFilter(sql, args, "provider_id", q.providerId());
    sql.append(" order by seq limit ?");
    args.add(q.limit());
    return db.inTenant(tenant, tx -> tx.query(sql.toString(), AuditLog::event, args.toArray()));
  }

  private static void addFilter(StringBuilder sql, List<Object> args, String column, Optional<String> value) {
    value.ifPresent(v -> {
      sql.append(" and ").append(column).append(" = ?");
      args.add(v);
    });
  }

  private static AuditEvent event(ResultSet rs) throws SQLException {
    return new AuditEvent(
        rs.getObject("tenant_id").toString(),
        rs.getLong("seq"),
        Tx.requiredInstant(rs, "ts"),
        rs.getString("actor"),
        rs.getString("type"),
        (ObjectNode) CanonicalJson.parse(rs.getString("body")),
        HashValue.of(rs.getBytes("prev_hash")),
        rs.getString("key_id"),
        HashValue.of(rs.getBytes("hash")),
        java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(rs.getBytes("sig")));
  }

  /** Every signing key that ever signed, oldest first. */
  public List<AuditKey> publishedKeys() {
    return db.asOperator(AuditIdentity::published);
  }

  /** The key that signs new events. */
  public AuditKey currentKey() {
    return identity.signer().key();
  }

  /** Retires the signing key and starts a new one; both stay published. */
  public AuditKey rotateSigningKey() {
    return identity.rotate(db);
  }

  /** The number of events of {@code tenant}. */
  public long size(TenantId tenant) {
    return db.inTenant(tenant, tx -> tx.queryOne("select seq from audit_heads where tenant_id = ?", rs -> rs.getLong(1), tenant)
        .orElse(0L));
  }

  /**
   * Streams events {@code fromSeq..toSeq} (to the current end when empty) as an export (see
   * {@link AuditExport}) with a freshly signed tree head over events 1..toSeq. Memory use does not
   * grow with the number of events.
   */
  public void export(TenantId tenant, long fromSeq, OptionalLong toSeq, Writer out) {
    if (fromSeq < 1) {
      throw new StoreException("invalid_query", "from_seq must be at least 1");
    }
    db.inTenant(tenant, tx -> {
      long size = tx.queryOne("select seq from audit_heads where tenant_id = ?", rs -> rs.getLong(1), tenant).orElse(0L);
      long to = Math.min(size, toSeq.orElse(size));
      if (to < fromSeq - 1) {
        throw new StoreException("invalid_query", "from_seq is beyond the end of the log (" + size + " events)");
      }
      Instant now = tx.queryOne("select clock_timestamp()", rs -> Tx.requiredInstant(rs, "clock_timestamp")).orElseThrow();
      List<AuditKey> keys = AuditIdentity.published(tx);
      AuditSigner signer = identity.activeSigner(tx);
      MerkleRange range = new MerkleRange();
      HashValue[] last = {AuditChain.genesis(tenant.toString())};
      tx.forEach("select hash from audit_events where tenant_id = ? and seq < ? order by seq", EXPORT_FETCH, rs -> {
        HashValue h = HashValue.of(rs.getBytes(1));
        range.append(MerkleTree.leafHash(h));
        last[0] = h;
        return null;
      }, tenant, fromSeq);
      write(out, AuditExport.headerLine(tenant.toString(), fromSeq, now));
      for (AuditKey k : keys) {
        write(out, AuditExport.keyLine(k));
      }
      tx.forEach("select " + EVENT_COLUMNS + " from audit_events where tenant_id = ? and seq between ? and ? order by seq",
          EXPORT_FETCH, rs -> {
            AuditEvent e = event(rs);
            range.append(MerkleTree.leafHash(e.hash()));
            last[0] = e.hash();
            write(out, AuditExport.eventLine(e));
            return null;
          }, tenant, fromSeq, to);
      TreeHead head = TreeHead.sign(tenant.toString(), to, range.root(), last[0], now, signer);
      write(out, AuditExport.headLine(head));
      return null;
    });
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Writer out, String line) {
    try {
      out.write(line);
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The signed tree head over every event of {@code tenant} now, stored so it can be shown again. */
  public TreeHead latestCheckpoint(TenantId tenant) {
    return db.inTenant(tenant, tx -> {
      Optional<Head> head = tx.queryOne(
          "select seq, hash, frontier, last_ts, clock_timestamp() as now from audit_heads where tenant_id = ?",
          rs -> new Head(rs.getLong("seq"), HashValue.of(rs.getBytes("hash")), split(rs.getBytes("frontier")),
              Tx.instant(rs, "last_ts"), Tx.requiredInstant(rs, "now")),
          tenant);
      long size = head.map(Head::seq).orElse(0L);
      HashValue root = head.map(h -> MerkleRange.restore(h.seq(), h.frontier()).root()).orElse(MerkleTree.emptyRoot());
      HashValue chainHead = head.map(Head::hash).orElse(AuditChain.genesis(tenant.toString()));
      return storedOrSigned(tx, size, root, chainHead);
    });
  }

  private TreeHead storedOrSigned(Tx tx, long size, HashValue root, HashValue chainHead) throws SQLException {
    Optional<TreeHead> stored = checkpointAt(tx, size);
    if (stored.isPresent()) {
      return stored.get();
    }
    Instant now = tx.queryOne("select clock_timestamp()", rs -> Tx.requiredInstant(rs, "clock_timestamp")).orElseThrow();
    TreeHead head = TreeHead.sign(tx.tenant().toString(), size, root, chainHead, now, identity.activeSigner(tx));
    tx.update(
        "insert into audit_checkpoints (tenant_id, tree_size, root_hash, chain_head, ts, key_id, sig)"
            + " values (?, ?, ?, ?, ?, ?, ?) on conflict (tenant_id, tree_size) do nothing",
        tx.tenant(), size, root.bytes(), chainHead.bytes(), head.ts(), head.keyId(),
        java.util.Base64.getUrlDecoder().decode(head.sig()));
    return checkpointAt(tx, size).orElseThrow();
  }

  private static Optional<TreeHead> checkpointAt(Tx tx, long size) throws SQLException {
    return tx.queryOne(
        "select tree_size, root_hash, chain_head, ts, key_id, sig from audit_checkpoints where tenant_id = ? and tree_size = ?",
        rs -> new TreeHead(tx.tenant().toString(), rs.getLong("tree_size"), HashValue.of(rs.getBytes("root_hash")),
            HashValue.of(rs.getBytes("chain_head")), Tx.requiredInstant(rs, "ts"), rs.getString("key_id"),
            java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(rs.getBytes("sig"))),
        tx.tenant(), size);
  }

  /** An audit path for event {@code seq} in the tree of the first {@code treeSize} events. */
  public record InclusionProof(long seq, long treeSize, HashValue eventHash, List<HashValue> path, TreeHead treeHead) {}

  /** A proof that the tree of {@code toSize} events extends the tree of {@code fromSize}. */
  public record ConsistencyProof(long fromSize, long toSize, List<HashValue> path, TreeHead fromHead, TreeHead toHead) {}

  /**
   * The audit path of event {@code seq} in the tree of the first {@code treeSize} events, built
   * from stored subtree hashes (see {@link TreeNodes}).
   */
  public InclusionProof inclusionProof(TenantId tenant, long seq, long treeSize) {
    return db.inTenant(tenant, tx -> {
      requireTreeSize(tx, treeSize);
      if (seq < 1 || seq > treeSize) {
        throw new StoreException("invalid_query", "seq must be between 1 and tree_size");
      }
      TreeNodes nodes = TreeNodes.load(tx, treeSize, n -> {
        MerkleTree.root(treeSize, n);
        MerkleTree.inclusionProof(treeSize, seq - 1, n);
      });
      TreeHead head = storedOrSigned(tx, treeSize, MerkleTree.root(treeSize, nodes), eventHash(tx, treeSize));
      return new InclusionProof(seq, treeSize, eventHash(tx, seq), MerkleTree.inclusionProof(treeSize, seq - 1, nodes), head);
    });
  }

  /** A proof that the tree of {@code toSize} events extends that of {@code fromSize}, from stored subtree hashes. */
  public ConsistencyProof consistencyProof(TenantId tenant, long fromSize, long toSize) {
    return db.inTenant(tenant, tx -> {
      if (fromSize < 0 || fromSize > toSize) {
        throw new StoreException("invalid_query", "from must be between 0 and to");
      }
      requireTreeSize(tx, toSize);
      TreeNodes nodes = TreeNodes.load(tx, toSize, n -> {
        MerkleTree.root(fromSize, n);
        MerkleTree.root(toSize, n);
        MerkleTree.consistencyProof(toSize, fromSize, n);
      });
      HashValue genesis = AuditChain.genesis(tenant.toString());
      TreeHead fromHead = storedOrSigned(tx, fromSize, MerkleTree.root(fromSize, nodes),
          fromSize == 0 ? genesis : eventHash(tx, fromSize));
      TreeHead toHead = storedOrSigned(tx, toSize, MerkleTree.root(toSize, nodes), toSize == 0 ? genesis : eventHash(tx, toSize));
      return new ConsistencyProof(fromSize, toSize, MerkleTree.consistencyProof(toSize, fromSize, nodes), fromHead, toHead);
    });
  }

  private static void requireTreeSize(Tx tx, long treeSize) throws SQLException {
    long size = tx.queryOne("select seq from audit_heads where tenant_id = ?", rs -> rs.getLong(1), tx.tenant()).orElse(0L);
    if (treeSize < 0 || treeSize > size) {
      throw new StoreException("invalid_query", "tree_size must be between 0 and the log size (" + size + ")");
    }
  }

  private static HashValue eventHash(Tx tx, long seq) throws SQLException {
    return tx.queryOne("select hash from audit_events where tenant_id = ? and seq = ?", rs -> HashValue.of(rs.getBytes(1)), tx.tenant(), seq)
        .orElseThrow(() -> new StoreException("invalid_query", "no audit event " + seq));
  }

  /** The purge path of a tenant purge: removes the tenant's whole audit log. Operator scope only. */
  public static long purge(Tx operatorTx, TenantId tenant) throws SQLException {
    if (!operatorTx.tenant().isOperator()) {
      throw new StoreException("permission_denied", "only the operator scope can purge an audit log");
    }
    return operatorTx.queryOne("select audit_purge(?)", rs -> rs.getLong(1), tenant).orElse(0L);
  }

  private static List<HashValue> split(byte[] frontier) {
    List<HashValue> out = new ArrayList<>(frontier.length / 32);
    for (int i = 0; i + 32 <= frontier.length; i += 32) {
      out.add(HashValue.of(java.util.Arrays.copyOfRange(frontier, i, i + 32)));
    }
    return out;
  }

  private static byte[] concat(List<HashValue> hashes) {
    byte[] out = new byte[hashes.size() * 32];
    for (int i = 0; i < hashes.size(); i++) {
      System.arraycopy(hashes.get(i).bytes(), 0, out, i * 32, 32);
    }
    return out;
  }

  static String formatTs(Instant t) {
    return AuditTime.format(t);
  }
}
