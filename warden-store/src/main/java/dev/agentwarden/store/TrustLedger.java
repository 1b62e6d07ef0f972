package dev.agentwarden.store;

import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.trust.EvidenceKind;
import dev.agentwarden.core.trust.TrustEvidence;
import dev.agentwarden.core.trust.TrustRule;
import dev.agentwarden.core.trust.TrustScore;
import dev.agentwarden.core.trust.TrustSubject;
import dev.agentwarden.core.trust.TrustThreshold;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A tenant's trust evidence and threshold (tables trust_evidence, trust_settings), scored by a
 * {@link TrustRule}. Evidence is read per hour and kind, dated at the latest event of the hour,
 * so a subject with millions of events still costs a bounded read and never decays early.
 * Evidence past the rule's horizon is deleted when the subject gets new evidence.
 */
public final class TrustLedger {
  private static final int MAX_DETAIL = 500;

  private final Database db;
  private final TrustRule rule;
  private final Clock clock;

  public TrustLedger(Database db, TrustRule rule, Clock clock) {
    this.db = Objects.requireNonNull(db, "db");
    this.rule = Objects.requireNonNull(rule, "rule");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public TrustRule rule() {
    return rule;
  }

  /** One stored event, with the subject's score right after it. */
  public record Recorded(EvidenceKind kind, Instant at, String detail, int scoreAfter) {}

  /** A subject scoring below the tenant's threshold. */
  public record Low(TrustSubject subject, TrustScore score, TrustThreshold threshold) {}

  /**
   * Stores one event against {@code subject}; {@code detail} is a short code or reason (never
   * a secret or raw output). Returns the score after it.
   */
  public TrustScore record(TenantId tenant, TrustSubject subject, EvidenceKind kind, String detail) {
    return db.inTenant(tenant, tx -> record(tx, subject, kind, detail));
  }

  private TrustScore record(Tx tx, TrustSubject subject, EvidenceKind kind, String detail) throws SQLException {
    Instant now = clock.instant();
    String shortDetail = detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail;
    tx.update("delete from trust_evidence where subject_kind = ? and subject = ? and at < ?", subject.kind().wire(),
        subject.name(), now.minus(rule.horizon()));
    List<TrustEvidence> evidence = new ArrayList<>(evidence(tx, subject, now));
    evidence.add(TrustEvidence.of(kind, now));
    TrustScore after = rule.score(evidence, now);
    tx.update("insert into trust_evidence (id, tenant_id, subject_kind, subject, kind, detail, at, score_after)"
            + " values (?, ?, ?, ?, ?, ?, ?, ?)", UUID.randomUUID(), tx.tenant(), subject.kind().wire(), subject.name(),
        kind.wire(), shortDetail, now, after.value());
    return after;
  }

  /** The subject's score now. */
  public TrustScore score(Tx tx, TrustSubject subject) throws SQLException {
    Instant now = clock.instant();
    return rule.score(evidence(tx, subject, now), now);
  }

  /**
   * The lowest-scoring of {@code subjects} if it is below the tenant's threshold. Throws when
   * the scores cannot be read; a caller deciding whether to ask a human treats that as "ask".
   */
  public Optional<Low> below(TenantId tenant, List<TrustSubject> subjects) {
    return db.inTenant(tenant, tx -> below(tx, subjects));
  }

  /** As {@link #below(TenantId, List)}, inside the caller's transaction. */
  public Optional<Low> below(Tx tx, List<TrustSubject> subjects) throws SQLException {
    TrustThreshold threshold = threshold(tx);
    Optional<Low> lowest = Optional.empty();
    for (TrustSubject s : subjects) {
      TrustScore score = score(tx, s);
      if (score.below(threshold) && (lowest.isEmpty() || score.value() < lowest.get().score().value())) {
        lowest = Optional.of(new Low(s, score, threshold));
      }
    }
    return lowest;
  }

  /** The oldest evidence that still counts towards a score at {@code now}. */
  public Instant evidenceSince(Instant now) {
    return now.minus(rule.horizon());
  }

  /** The tenant's threshold, or the default when it has not set one. */
  public static TrustThreshold threshold(Tx tx) throws SQLException {
    return tx.queryOne("select threshold from trust_settings where tenant_id = ?", rs -> new TrustThreshold(rs.getInt(1)),
        tx.tenant()).orElse(TrustThreshold.DEFAULT);
  }

  /** Sets the tenant's threshold; returns the one it replaces. */
  public static TrustThreshold setThreshold(Tx tx, TrustThreshold threshold, String actor, Instant at)
      throws SQLException {
    TrustThreshold before = threshold(tx);
    tx.update("insert into trust_settings (tenant_id, threshold, updated_at, updated_by) values (?, ?, ?, ?)"
            + " on conflict (tenant_id) do update set threshold = excluded.threshold, updated_at = excluded.updated_at,"
            + " updated_by = excluded.updated_by", tx.tenant(), threshold.value(), at, actor);
    return before;
  }

  /** The subject's newest events, newest first. */
  public static List<Recorded> recent(Tx tx, TrustSubject subject, int limit) throws SQLException {
    return tx.query("select kind, at, detail, score_after from trust_evidence where subject_kind = ? and subject = ?"
            + " order by at desc, id limit ?", rs -> new Recorded(EvidenceKind.fromWire(rs.getString("kind")),
            Tx.requiredInstant(rs, "at"), rs.getString("detail"), rs.getInt("score_after")),
        subject.kind().wire(), subject.name(), limit);
  }

  /** Every subject with evidence inside the rule's horizon. */
  public List<TrustSubject> subjects(Tx tx) throws SQLException {
    return tx.query("select distinct subject_kind, subject from trust_evidence where at >= ? order by 1, 2",
        rs -> new TrustSubject(TrustSubject.Kind.fromWire(rs.getString(1)), rs.getString(2)),
        clock.instant().minus(rule.horizon()));
  }

  private List<TrustEvidence> evidence(Tx tx, TrustSubject subject, Instant now) throws SQLException {
    return tx.query("select kind, max(at) as latest, count(*) as n from trust_evidence"
            + " where subject_kind = ? and subject = ? and at >= ? group by kind, date_trunc('hour', at)",
        rs -> new TrustEvidence(EvidenceKind.fromWire(rs.getString("kind")), Tx.requiredInstant(rs, "latest"),
            rs.getLong("n")),
        subject.kind().wire(), subject.name(), now.minus(rule.horizon()));
  }
}
