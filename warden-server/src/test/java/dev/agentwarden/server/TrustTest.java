package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Trust scores end to end: evidence recorded where it happens (an upstream tool that keeps
 * failing), exposed on {@code /v1/trust}, and a score below the tenant's threshold sending the
 * tool's calls through the approval gate.
 */
@Tag("database")
class TrustTest {
  private static TestGateway gw;
  private static TestUpstream upstream;

  @BeforeAll
  static void start() throws java.io.IOException {
    gw = TestGateway.start();
    upstream = new TestUpstream();
    upstream.tool("broken", "Always fails.");
  }

  @AfterAll
  static void stop() {
    gw.close();
    upstream.close();
  }

  /** A tenant with the test upstream registered as "test"; returns its admin key. */
  private static TestGateway.NewTenant tenantWithUpstream(String name) {
    TestGateway.NewTenant t = gw.createTenant(name);
    gw.allowLoopbackUpstreams(t.adminKey());
    TestGateway.Reply reg = gw.post("/v1/mcp-servers", t.adminKey(), "{\"name\":\"test\",\"url\":\"" + upstream.url() + "\"}");
    assertThat(reg.status()).as(reg.body()).isEqualTo(201);
    return t;
  }

  private static String agentKey(TestGateway.NewTenant t, String name) {
    TestGateway.Reply r = gw.post("/v1/agents", t.adminKey(),
        "{\"name\":\"" + name + "\",\"tools\":[\"test/broken\",\"test/echo\"],\"issue_key\":true}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().path("key").path("secret").asText();
  }

  private static String session(String key) {
    TestGateway.Reply init = gw.send("POST", "/mcp", key, "application/json",
        ("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
            + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}").getBytes(StandardCharsets.UTF_8),
        Map.of());
    return init.header("Mcp-Session-Id").orElseThrow();
  }

  private static JsonNode call(String key, String session, String tool, String message) {
    TestGateway.Reply r = gw.send("POST", "/mcp", key, "application/json",
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\","
            + "\"arguments\":{\"message\":\"" + message + "\"}}}").getBytes(StandardCharsets.UTF_8),
        Map.of("Mcp-Session-Id", session));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static TestGateway.Reply put(String path, String key, String body) {
    return gw.send("PUT", path, key, "application/json", body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  @Test
  void aToolWhoseUpstreamKeepsFailing_endsUpRequiringApproval_andItsScoreIsOnTheApi() {
    TestGateway.NewTenant t = tenantWithUpstream("trust-failing");
    TestGateway.Reply set = put("/v1/trust/settings", t.adminKey(), "{\"threshold\":960}");
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    assertThat(set.json().path("threshold").asInt()).isEqualTo(960);
    assertThat(gw.get("/v1/audit/events?type=trust.threshold_changed", t.adminKey()).body())
        .contains("\"before\":300").contains("\"after\":960");
    String key = agentKey(t, "flaky");
    String session = session(key);
    int before = upstream.calls.size();

    // Each failure is evidence (25 points); two put the tool at 950, below 960.
    assertThat(call(key, session, "test__broken", "one").path("error").path("code").asInt()).isEqualTo(-32000);
    assertThat(call(key, session, "test__broken", "two").path("error").path("code").asInt()).isEqualTo(-32000);
    JsonNode held = call(key, session, "test__broken", "three").path("result");
    assertThat(held.path("isError").asBoolean()).isTrue();
    assertThat(held.path("content").path(0).path("text").asText()).startsWith("pending approval ")
        .contains("trust score of tool test/broken is 950, below the tenant's threshold 960");
    assertThat(upstream.calls).hasSize(before + 2);
    // The server and its other tools are not affected by one tool's errors.
    assertThat(call(key, session, "test__echo", "still fine").path("result").path("content").path(0).path("text").asText())
        .isEqualTo("echo: still fine");

    JsonNode tool = gw.get("/v1/trust/tools/test/broken", t.adminKey()).json();
    assertThat(tool.path("score").asInt()).isEqualTo(950);
    assertThat(tool.path("threshold").asInt()).isEqualTo(960);
    assertThat(tool.path("requires_approval").asBoolean()).isTrue();
    assertThat(tool.path("evidence")).hasSize(2);
    assertThat(tool.path("evidence").path(0).path("kind").asText()).isEqualTo("error");
    assertThat(tool.path("evidence").path(0).path("score_after").asInt()).isEqualTo(950);
    assertThat(tool.path("evidence").path(1).path("score_after").asInt()).isEqualTo(975);
    String listing = gw.get("/v1/trust", t.adminKey()).body();
    assertThat(listing).contains("{\"kind\":\"tool\",\"name\":\"test/broken\",\"score\":950,\"requires_approval\":true}")
        .contains("{\"kind\":\"tool\",\"name\":\"test/echo\",\"score\":1000,\"requires_approval\":false}")
        .contains("{\"kind\":\"mcp_server\",\"name\":\"test\",\"score\":1000,\"requires_approval\":false}");

    // A human approves the exact call; it then reaches the upstream once.
    String approver = gw.createKey(t.adminKey(), "alice", "approver")[1];
    String id = held.path("_meta").path("io.agentwarden/approval_id").asText();
    // The request says it was opened for low trust: the subject, its score and the threshold.
    JsonNode reason = gw.get("/v1/approvals/" + id, approver).json().path("reason");
    assertThat(reason.path("kind").asText()).isEqualTo("low_trust");
    assertThat(reason.path("subject").path("kind").asText()).isEqualTo("tool");
    assertThat(reason.path("subject").path("name").asText()).isEqualTo("test/broken");
    assertThat(reason.path("score").asInt()).isEqualTo(950);
    assertThat(reason.path("threshold").asInt()).isEqualTo(960);
    assertThat(gw.get("/v1/audit/events?type=approval.requested", t.adminKey()).body()).contains(id)
        .contains("\"reason\":{\"kind\":\"low_trust\",\"score\":950,\"subject\":{\"kind\":\"tool\",\"name\":\"test/broken\"},"
            + "\"threshold\":960}");
    String hash = held.path("_meta").path("io.agentwarden/payload_sha256").asText();
    assertThat(gw.post("/v1/approvals/" + id + "/approve", approver, "{\"payload_sha256\":\"" + hash + "\"}").status())
        .isEqualTo(200);
    assertThat(call(key, session, "test__broken", "three").path("error").path("code").asInt()).isEqualTo(-32000);
    assertThat(upstream.calls).hasSize(before + 4);

    // Threshold 0 turns trust-based approval off.
    assertThat(put("/v1/trust/settings", t.adminKey(), "{\"threshold\":0}").status()).isEqualTo(200);
    assertThat(call(key, session, "test__broken", "four").path("error").path("code").asInt()).isEqualTo(-32000);
  }

  @Test
  void anotherTenant_seesNoneOfTheScoresOrEvidence_andKeepsItsThreshold() {
    TestGateway.NewTenant t = tenantWithUpstream("trust-owner");
    String key = agentKey(t, "owner");
    String session = session(key);
    call(key, session, "test__broken", "x");
    assertThat(gw.get("/v1/trust/tools/test/broken", t.adminKey()).json().path("score").asInt()).isEqualTo(975);

    TestGateway.NewTenant other = gw.createTenant("trust-other");
    assertThat(gw.get("/v1/trust/tools/test/broken", other.adminKey()).status()).isEqualTo(404);
    assertThat(gw.get("/v1/trust/mcp-servers/test", other.adminKey()).status()).isEqualTo(404);
    TestGateway.Reply list = gw.get("/v1/trust", other.adminKey());
    assertThat(list.json().path("data")).isEmpty();
    assertThat(list.json().path("threshold").asInt()).isEqualTo(300);
    assertThat(put("/v1/trust/settings", other.adminKey(), "{\"threshold\":999}").status()).isEqualTo(200);
    assertThat(gw.get("/v1/trust/settings", t.adminKey()).json().path("threshold").asInt()).isEqualTo(300);
  }

  @Test
  void settings_areValidated_andOnlyAdminsChangeThem_whileOversightRolesRead() {
    TestGateway.NewTenant t = gw.createTenant("trust-roles");
    assertThat(put("/v1/trust/settings", t.adminKey(), "{\"threshold\":1001}").status()).isEqualTo(400);
    assertThat(put("/v1/trust/settings", t.adminKey(), "{}").status()).isEqualTo(400);
    assertThat(put("/v1/trust/settings", t.adminKey(), "{\"threshold\":\"500\"}").status()).isEqualTo(400);
    String approver = gw.createKey(t.adminKey(), "bob", "approver")[1];
    String auditor = gw.createKey(t.adminKey(), "carol", "auditor")[1];
    String agent = gw.createKey(t.adminKey(), "bot", "agent")[1];
    assertThat(put("/v1/trust/settings", approver, "{\"threshold\":10}").status()).isEqualTo(403);
    assertThat(gw.get("/v1/trust", approver).status()).isEqualTo(200);
    JsonNode settings = gw.get("/v1/trust/settings", auditor).json();
    assertThat(settings.path("threshold").asInt()).isEqualTo(300);
    assertThat(settings.path("half_life_seconds").asLong()).isEqualTo(86_400);
    assertThat(settings.path("weights").path("identity_change").asDouble()).isEqualTo(250.0);
    assertThat(gw.get("/v1/trust", agent).status()).isEqualTo(403);
    assertThat(gw.get("/v1/trust/providers/nope", t.adminKey()).status()).isEqualTo(404);
  }

  @Test
  void modelProviderFailuresAndSecretsInAnswers_areEvidenceAgainstTheProvider() throws java.io.IOException {
    try (OpenAiTestUpstream models = new OpenAiTestUpstream()) {
      TestGateway.NewTenant t = tenantWithUpstream("trust-models");
      assertThat(gw.post("/v1/providers", t.adminKey(), "{\"name\":\"up\",\"kind\":\"openai\",\"base_url\":\""
          + models.baseUrl() + "\",\"api_key\":\"sk-trust-provider-key-" + "0123456789\",\"allowed_models\":[\"test-model\"]}")
          .status()).isEqualTo(201);
      TestGateway.Reply agent = gw.post("/v1/agents", t.adminKey(), "{\"name\":\"chatty\",\"provider\":\"up\","
          + "\"model\":\"test-model\",\"system_prompt\":\"be brief\",\"issue_key\":true}");
      assertThat(agent.status()).as(agent.body()).isEqualTo(201);
      String key = agent.json().path("key").path("secret").asText();
      assertThat(gw.get("/v1/trust/providers/up", t.adminKey()).json().path("score").asInt()).isEqualTo(1000);

      TestGateway.Reply failed = gw.post("/v1/chat/completions", key, "{\"model\":\"test-model\",\"messages\":["
          + "{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"upstream_401\"}]}");
      assertThat(failed.status()).isEqualTo(502);
      TestGateway.Reply leaked = gw.post("/v1/chat/completions", key, "{\"model\":\"test-model\",\"stream\":true,"
          + "\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"stream_secret\"}]}");
      assertThat(leaked.status()).isEqualTo(200);
      assertThat(leaked.body()).doesNotContain(OpenAiTestUpstream.PLANTED_SECRET);

      JsonNode provider = gw.get("/v1/trust/providers/up", t.adminKey()).json();
      assertThat(provider.path("score").asInt()).isEqualTo(1000 - 25 - 100);
      assertThat(provider.path("evidence").path(0).path("kind").asText()).isEqualTo("output_finding");
      assertThat(provider.path("evidence").path(1).path("kind").asText()).isEqualTo("error");
      assertThat(provider.path("evidence").path(1).path("detail").asText()).isEqualTo("upstream_auth_failed");
      assertThat(provider.toString()).doesNotContain(OpenAiTestUpstream.PLANTED_SECRET).doesNotContain("0123456789");
    }
  }
}
