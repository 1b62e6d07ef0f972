package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("database")
class BudgetApiTest {
  private static TestGateway gw;
  private static TestGateway.NewTenant t;

  @BeforeAll
  static void start() {
    gw = TestGateway.start();
    t = gw.createTenant("budgets");
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @Test
  void tenantBudget_isStored_andShownWithUsage() {
    TestGateway.Reply put = gw.send("PUT", "/v1/budgets/tenant", t.adminKey(), "application/json",
        "{\"requests_per_minute\":5,\"tokens_per_day\":1000}".getBytes(java.nio.charset.StandardCharsets.UTF_8), java.util.Map.of());
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.json().path("spend_per_month_micros").isNull()).isTrue();
    assertThat(gw.get("/v1/budgets", t.adminKey()).json().path("data").get(0).path("tokens_per_day").asLong()).isEqualTo(1000);
    TestGateway.Reply usage = gw.get("/v1/usage", t.adminKey());
    assertThat(usage.status()).isEqualTo(200);
    assertThat(usage.json().path("data").get(0).path("scope").asText()).isEqualTo("tenant");
    assertThat(usage.json().path("data").get(0).path("limits").path("requests_per_minute").asLong()).isEqualTo(5);
  }

  @Test
  void negativeLimit_isRefused() {
    TestGateway.Reply put = gw.send("PUT", "/v1/budgets/tenant", t.adminKey(), "application/json",
        "{\"tokens_per_day\":-1}".getBytes(java.nio.charset.StandardCharsets.UTF_8), java.util.Map.of());
    assertThat(put.status()).isEqualTo(400);
  }

  @Test
  void agentKeyNotLinkedToAnAgent_isRefused_withAnOpenAiStyleError() {
    String[] key = gw.createKey(t.adminKey(), "loose-agent-key", "agent");
    TestGateway.Reply r = gw.post("/v1/chat/completions", key[1],
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("agent_not_linked");
    assertThat(r.json().path("error").path("code").asText()).isEqualTo("agent_not_linked");
    assertThat(r.json().path("error").path("type").asText()).isEqualTo("permission_error");
  }

  @Test
  void adminKey_cannotCallTheModelProxy() {
    TestGateway.Reply r = gw.post("/v1/chat/completions", t.adminKey(),
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.status()).isEqualTo(403);
  }
}
