package dev.agentwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.approval.Actor;
import dev.agentwarden.core.approval.ApprovalGate;
import dev.agentwarden.core.approval.ApprovalPayload;
import dev.agentwarden.core.approval.ApprovalRule;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.json.CanonicalJson;
import dev.agentwarden.server.TestGateway;
import dev.agentwarden.store.Approvals;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code warden approvals watch} against a real gateway: shows payload and hash, y approves, n denies. */
@Tag("database")
class ApprovalsCommandTest {
  private static TestGateway gw;
  private static TestGateway.NewTenant tenant;
  private static String approverKey;
  private static String agentKey;

  @BeforeAll
  static void start() {
    gw = TestGateway.start();
    tenant = gw.createTenant("cli-approvals");
    approverKey = gw.createKey(tenant.adminKey(), "alice", "approver")[1];
    agentKey = gw.createKey(tenant.adminKey(), "bot", "agent")[1];
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static final String RULE_REASON = "{\"kind\":\"rule\",\"description\":\"approval rule #0 (tool bank/*): 1 approver(s),"
      + " expiry 600 s\",\"rule\":{\"index\":0,\"tool\":\"bank/*\",\"approvers\":1,\"expiry_seconds\":600}}";
  static final String LOW_TRUST_REASON = "{\"kind\":\"low_trust\",\"subject\":{\"kind\":\"tool\",\"name\":\"bank/transfer\"},"
      + "\"score\":250,\"threshold\":300}";

  /** Stores a pending request as the gateway would for an agent's tool call, opened for {@code reason}. */
  private static ApprovalPayload pending(String json, String reason) {
    ApprovalPayload payload = ApprovalPayload.of(CanonicalJson.parse(json));
    TenantId t = new TenantId(UUID.fromString(tenant.id()));
    gw.gateway().database().inTenant(t, tx -> {
      Approvals.insert(tx, new ApprovalGate(Clock.systemUTC()).open(UUID.randomUUID(), payload,
          Actor.agentKey(UUID.randomUUID().toString(), "bot"), ApprovalRule.approvers(1, Duration.ofMinutes(10))),
          Optional.empty(), "bank/transfer", reason);
      return null;
    });
    return payload;
  }

  private record Run(int code, String out, String err) {}

  private static Run watch(String key, String answers) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Warden.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
    ApprovalsCommand.Watch w = (ApprovalsCommand.Watch) cli.getSubcommands().get("approvals").getSubcommands().get("watch")
        .getCommand();
    w.input = new BufferedReader(new StringReader(answers));
    int code = cli.execute("approvals", "watch", "--server", gw.uri("").toString(), "--key", key, "--once");
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void watch_showsPayloadAndHash_andYApprovesWithThatHash_nDenies() {
    ApprovalPayload first = pending("{\"agent\":\"bot\",\"tool\":\"bank/transfer\",\"arguments\":{\"to\":\"alice\",\"amount\":10}}",
        RULE_REASON);
    ApprovalPayload second = pending("{\"agent\":\"bot\",\"tool\":\"bank/transfer\",\"arguments\":{\"to\":\"mallory\",\"amount\":99}}",
        LOW_TRUST_REASON);
    Run r = watch(approverKey, "maybe\ny\nn\n");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains(first.canonical()).contains(first.sha256())
        .contains(second.canonical()).contains(second.sha256())
        .contains("-> status approved").contains("-> status denied")
        .contains("reason   approval rule #0 (tool bank/*): 1 approver(s), expiry 600 s")
        .contains("reason   low trust: tool bank/transfer scores 250, below the tenant's threshold 300");
    assertThat(gw.get("/v1/approvals?status=pending", approverKey).json().path("data")).isEmpty();
    assertThat(gw.get("/v1/approvals?status=approved", approverKey).body()).contains(first.sha256());
    assertThat(gw.get("/v1/approvals?status=denied", approverKey).body()).contains(second.sha256());
  }

  @Test
  void watch_aApprovesAndAllowsForTheSession_listsTheAllow_andRRevokesIt() {
    TestGateway.Reply agent = gw.post("/v1/agents", tenant.adminKey(), "{\"name\":\"payer\"}");
    UUID agentId = UUID.fromString(agent.json().path("agent").path("id").asText());
    ApprovalPayload payload = ApprovalPayload.of(CanonicalJson.parse(
        "{\"agent\":\"payer\",\"tool\":\"bank/transfer\",\"arguments\":{\"to\":\"bob\",\"amount\":5}}"));
    UUID id = UUID.randomUUID();
    gw.gateway().database().inTenant(new TenantId(UUID.fromString(tenant.id())), tx -> {
      Approvals.insert(tx, new ApprovalGate(Clock.systemUTC()).open(id, payload,
          Actor.agentKey(UUID.randomUUID().toString(), "payer"), ApprovalRule.approvers(1, Duration.ofMinutes(10))),
          Optional.of(agentId), "bank/transfer", RULE_REASON);
      Approvals.bindSession(tx, id, "ab".repeat(32));
      return null;
    });
    Run r = watch(approverKey, "a\nl\nr 1\n");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("-> status approved; allowed for the rest of the agent's session")
        .contains("[1] ").contains("agent payer  tool bank/transfer  arguments_sha256 ")
        .contains("revoked session allow ").contains("no active session allows");
    JsonNode allows = gw.get("/v1/session-allows?agent=payer", approverKey).json().path("data");
    assertThat(allows).hasSize(1);
    assertThat(allows.path(0).path("approval_id").asText()).isEqualTo(id.toString());
    assertThat(allows.path(0).path("status").asText()).isEqualTo("revoked");
  }

  @Test
  void watch_withAnAgentKey_isRefused() {
    Run r = watch(agentKey, "");
    assertThat(r.code()).isEqualTo(ExitCodes.REFUSED);
    assertThat(r.err()).contains("403");
  }
}
