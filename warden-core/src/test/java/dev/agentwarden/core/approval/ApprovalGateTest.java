package dev.agentwarden.core.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.json.CanonicalJson;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ApprovalGateTest {
  private static final class StepClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  private final StepClock clock = new StepClock();
  private final ApprovalGate gate = new ApprovalGate(clock);
  private final Actor agent = Actor.agentKey("key-agent", "agent-1");
  private final Actor alice = Actor.key("key-alice");
  private final Actor bob = Actor.key("key-bob");

  private static ApprovalPayload payload(String json) {
    return ApprovalPayload.of(CanonicalJson.parse(json));
  }

  private final ApprovalPayload transfer = payload("{\"tool\":\"bank__transfer\",\"arguments\":{\"to\":\"alice\",\"amount\":10}}");

  private Approval open(int approvers) {
    return gate.open(UUID.randomUUID(), transfer, agent, ApprovalRule.approvers(approvers, Duration.ofMinutes(10)));
  }

  @Test
  void payloadHash_isTheSha256OfTheRfc8785Form_whateverTheMemberOrder() {
    ApprovalPayload reordered = payload("{ \"arguments\": {\"amount\": 10.0, \"to\": \"alice\"}, \"tool\": \"bank__transfer\" }");
    assertThat(reordered.canonical()).isEqualTo("{\"arguments\":{\"amount\":10,\"to\":\"alice\"},\"tool\":\"bank__transfer\"}");
    assertThat(reordered.sha256()).isEqualTo(transfer.sha256()).hasSize(64).matches("[0-9a-f]{64}");
    // computed independently: printf '%s' '<canonical text>' | sha256sum
    assertThat(transfer.sha256()).isEqualTo("4aceb38f2b178709b0a9c6831a04320c4d611fedf3ce1ba34a80422da599b3e6");
    assertThat(ApprovalPayload.fromCanonical(reordered.canonical())).isEqualTo(transfer);
  }

  @Test
  void fromCanonical_refusesTextThatIsNotCanonical() {
    assertThatThrownBy(() -> ApprovalPayload.fromCanonical("{\"b\":1, \"a\":2}"))
        .isInstanceOf(ApprovalException.class).hasMessageContaining("canonical");
  }

  @Test
  void oneApprover_approvesAndTheSamePayloadExecutesOnce() {
    Approval a = gate.approve(open(1), alice, transfer.sha256(), Optional.of("ok"));
    assertThat(a.status()).isEqualTo(ApprovalStatus.APPROVED);
    Approval executed = gate.execute(a, payload("{\"arguments\":{\"to\":\"alice\",\"amount\":10},\"tool\":\"bank__transfer\"}"));
    assertThat(executed.status()).isEqualTo(ApprovalStatus.EXECUTED);
  }

  @Test
  void payloadSwappedAfterApproval_isRefused() {
    Approval a = gate.approve(open(1), alice, transfer.sha256(), Optional.empty());
    ApprovalPayload swapped = payload("{\"tool\":\"bank__transfer\",\"arguments\":{\"to\":\"mallory\",\"amount\":10}}");
    assertThatThrownBy(() -> gate.execute(a, swapped))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_payload_mismatch"));
  }

  @Test
  void approverWhoDoesNotEchoTheHash_isRefused() {
    Approval a = open(1);
    ApprovalPayload other = payload("{\"tool\":\"bank__transfer\",\"arguments\":{\"to\":\"mallory\",\"amount\":10}}");
    assertThatThrownBy(() -> gate.approve(a, alice, other.sha256(), Optional.empty()))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_hash_mismatch"));
    assertThatThrownBy(() -> gate.approve(a, alice, transfer.sha256().toUpperCase(java.util.Locale.ROOT), Optional.empty()))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_hash_mismatch"));
  }

  @Test
  void requesterKeyOrAgent_cannotApproveItsOwnRequest() {
    Approval a = open(1);
    assertThatThrownBy(() -> gate.approve(a, agent, transfer.sha256(), Optional.empty()))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_self_approval"));
    Actor otherKeyOfSameAgent = Actor.agentKey("key-agent-2", "agent-1");
    assertThatThrownBy(() -> gate.approve(a, otherKeyOfSameAgent, transfer.sha256(), Optional.empty()))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_self_approval"));
  }

  @Test
  void dualControl_sameApproverTwiceCountsOnce_andTwoDistinctApproversMeetTheQuorum() {
    Approval once = gate.approve(open(2), alice, transfer.sha256(), Optional.empty());
    assertThat(once.status()).isEqualTo(ApprovalStatus.PENDING);
    assertThatThrownBy(() -> gate.approve(once, alice, transfer.sha256(), Optional.empty()))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_already_decided"));
    assertThat(once.approvals()).isEqualTo(1);
    assertThatThrownBy(() -> gate.execute(once, transfer))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_pending"));
    Approval twice = gate.approve(once, bob, transfer.sha256(), Optional.empty());
    assertThat(twice.status()).isEqualTo(ApprovalStatus.APPROVED);
    assertThat(twice.approvals()).isEqualTo(2);
  }

  @Test
  void expiredRequest_cannotBeApprovedNorExecuted() {
    Approval a = open(1);
    Approval approved = gate.approve(a, alice, transfer.sha256(), Optional.empty());
    clock.advance(Duration.ofMinutes(10));
    assertThat(approved.statusAt(clock.instant())).isEqualTo(ApprovalStatus.EXPIRED);
    assertThatThrownBy(() -> gate.approve(a, bob, transfer.sha256(), Optional.empty()))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_expired"));
    assertThatThrownBy(() -> gate.execute(approved, transfer))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_expired"));
  }

  @Test
  void replayedExecution_isRefused() {
    Approval executed = gate.execute(gate.approve(open(1), alice, transfer.sha256(), Optional.empty()), transfer);
    assertThatThrownBy(() -> gate.execute(executed, transfer))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_already_used"));
  }

  @Test
  void oneDeny_closesTheRequest() {
    Approval denied = gate.deny(open(2), alice, transfer.sha256(), Optional.of("no"));
    assertThat(denied.status()).isEqualTo(ApprovalStatus.DENIED);
    assertThatThrownBy(() -> gate.approve(denied, bob, transfer.sha256(), Optional.empty()))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_closed"));
    assertThatThrownBy(() -> gate.execute(denied, transfer))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("approval_denied"));
  }

  @Test
  void rules_areValidated() {
    assertThat(ApprovalRule.none().required()).isFalse();
    assertThatThrownBy(() -> ApprovalRule.approvers(11, Duration.ofMinutes(1))).isInstanceOf(ApprovalException.class);
    assertThatThrownBy(() -> ApprovalRule.approvers(1, Duration.ZERO)).isInstanceOf(ApprovalException.class);
    assertThatThrownBy(() -> gate.open(UUID.randomUUID(), transfer, agent, ApprovalRule.none()))
        .isInstanceOf(ApprovalException.class);
    JsonNode huge = CanonicalJson.parse("{\"n\":9007199254740993}");
    assertThatThrownBy(() -> ApprovalPayload.of(huge))
        .isInstanceOfSatisfying(ApprovalException.class, e -> assertThat(e.code()).isEqualTo("invalid_payload"));
  }
}
