package dev.agentwarden.core.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrustRuleTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final TrustRule rule = TrustRule.standard();

  @Test
  void noEvidence_scores1000() {
    assertThat(rule.score(List.of(), T0).value()).isEqualTo(1000);
  }

  @Test
  void eachEvent_lowersTheScore_byItsKindsWeight() {
    assertThat(rule.score(List.of(TrustEvidence.of(EvidenceKind.ERROR, T0)), T0).value()).isEqualTo(975);
    assertThat(rule.score(List.of(TrustEvidence.of(EvidenceKind.TIMEOUT, T0)), T0).value()).isEqualTo(960);
    assertThat(rule.score(List.of(TrustEvidence.of(EvidenceKind.POLICY_VIOLATION, T0)), T0).value()).isEqualTo(950);
    assertThat(rule.score(List.of(TrustEvidence.of(EvidenceKind.OUTPUT_FINDING, T0)), T0).value()).isEqualTo(900);
    assertThat(rule.score(List.of(TrustEvidence.of(EvidenceKind.IDENTITY_CHANGE, T0)), T0).value()).isEqualTo(750);
  }

  @Test
  void scoresFallWithEvidence_monotonically_andStopAtZero() {
    List<TrustEvidence> evidence = new ArrayList<>();
    int previous = 1000;
    for (int i = 0; i < 60; i++) {
      evidence.add(TrustEvidence.of(EvidenceKind.ERROR, T0.plusSeconds(i)));
      int now = rule.score(evidence, T0.plusSeconds(60)).value();
      assertThat(now).isLessThan(previous);
      previous = now;
      if (now == 0) {
        break;
      }
    }
    assertThat(previous).isZero();
    assertThat(rule.score(List.of(new TrustEvidence(EvidenceKind.IDENTITY_CHANGE, T0, 1_000_000)), T0).value()).isZero();
  }

  @Test
  void aggregatedEvidence_countsLikeTheSameNumberOfEvents() {
    List<TrustEvidence> one = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      one.add(TrustEvidence.of(EvidenceKind.TIMEOUT, T0));
    }
    assertThat(rule.score(List.of(new TrustEvidence(EvidenceKind.TIMEOUT, T0, 7)), T0.plusSeconds(3600)))
        .isEqualTo(rule.score(one, T0.plusSeconds(3600)));
  }

  @Test
  void scoresRecoverWithDecay_halfTheLossPerHalfLife() {
    List<TrustEvidence> evidence = List.of(new TrustEvidence(EvidenceKind.OUTPUT_FINDING, T0, 8));
    assertThat(rule.score(evidence, T0).value()).isEqualTo(200);
    assertThat(rule.score(evidence, T0.plus(Duration.ofHours(24))).value()).isEqualTo(600);
    assertThat(rule.score(evidence, T0.plus(Duration.ofHours(48))).value()).isEqualTo(800);
    assertThat(rule.score(evidence, T0.plus(Duration.ofHours(72))).value()).isEqualTo(900);
    // Until the horizon what is left keeps it just below 1000; past it the evidence is gone.
    assertThat(rule.score(evidence, T0.plus(rule.horizon()).minusSeconds(1)).value()).isEqualTo(999);
    assertThat(rule.score(evidence, T0.plus(rule.horizon()).plusSeconds(1)).value()).isEqualTo(1000);
  }

  @Test
  void belowTheThreshold_needsApproval_andRecoveringLiftsIt() {
    TrustThreshold threshold = TrustThreshold.DEFAULT;
    List<TrustEvidence> evidence = new ArrayList<>();
    for (int i = 0; i < 28; i++) {
      evidence.add(TrustEvidence.of(EvidenceKind.ERROR, T0));
    }
    assertThat(rule.score(evidence.subList(0, 27), T0).below(threshold)).isFalse();
    assertThat(rule.score(evidence, T0).value()).isEqualTo(300);
    evidence.add(TrustEvidence.of(EvidenceKind.ERROR, T0));
    assertThat(rule.score(evidence, T0).below(threshold)).isTrue();
    assertThat(rule.score(evidence, T0.plus(Duration.ofHours(24))).below(threshold)).isFalse();
    assertThat(rule.score(evidence, T0).below(new TrustThreshold(0))).isFalse();
  }

  @Test
  void evidenceFromTheFuture_countsAsNow_neverRaisesTheScore() {
    assertThat(rule.score(List.of(TrustEvidence.of(EvidenceKind.IDENTITY_CHANGE, T0.plusSeconds(30))), T0).value())
        .isEqualTo(750);
  }

  @Test
  void customRule_usesItsHalfLifeAndWeights() {
    TrustRule fast = TrustRule.of(Duration.ofMinutes(10), Map.of(EvidenceKind.ERROR, 100.0, EvidenceKind.TIMEOUT, 0.0,
        EvidenceKind.POLICY_VIOLATION, 0.0, EvidenceKind.OUTPUT_FINDING, 0.0, EvidenceKind.IDENTITY_CHANGE, 0.0));
    List<TrustEvidence> e = List.of(TrustEvidence.of(EvidenceKind.ERROR, T0), TrustEvidence.of(EvidenceKind.TIMEOUT, T0));
    assertThat(fast.score(e, T0).value()).isEqualTo(900);
    assertThat(fast.score(e, T0.plus(Duration.ofMinutes(10))).value()).isEqualTo(950);
  }

  @Test
  void badValues_areRefused_namingTheValue() {
    assertThatThrownBy(() -> new TrustThreshold(1001)).hasMessageContaining("1001");
    assertThatThrownBy(() -> new TrustThreshold(-1)).hasMessageContaining("-1");
    assertThatThrownBy(() -> TrustRule.of(Duration.ofSeconds(1), rule.weights())).hasMessageContaining("half-life");
    assertThatThrownBy(() -> TrustRule.of(Duration.ofHours(1), Map.of(EvidenceKind.ERROR, 1.0)))
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> TrustSubject.tool("srv", "")).hasMessageContaining("server/tool");
    assertThatThrownBy(() -> EvidenceKind.fromWire("nope")).hasMessageContaining("nope");
    assertThat(TrustSubject.tool("srv", "echo").server()).hasValue("srv");
  }

  @Test
  void aToolSubject_namesItsServerUnambiguously() {
    org.assertj.core.api.Assertions.assertThat(TrustSubject.tool("srv", "a/b").server()).contains("srv");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrustSubject.tool("a/b", "c"))
        .isInstanceOf(TrustException.class);
  }
}
