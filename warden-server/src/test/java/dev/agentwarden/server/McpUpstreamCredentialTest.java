package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An MCP server registered with {@code auth: vault://…} gets its token injected by egress on
 * every request, and an upstream that echoes the token back (here inside a tool result streamed
 * as server-sent events) is answered through the scrubber: the agent sees the reference, never
 * the token, and neither does the audit chain.
 */
@Tag("database")
class McpUpstreamCredentialTest {
  private static final String TOKEN = "upstream-" + "token-" + "Zq81xW0pLm27";
  private static TestGateway gw;
  private static TestGateway.NewTenant tenant;
  private static TestUpstream upstream;

  @BeforeAll
  static void start() throws java.io.IOException {
    gw = TestGateway.start();
    tenant = gw.createTenant("mcp-credential");
    gw.allowLoopbackUpstreams(tenant.adminKey());
    TestGateway.Reply secret = gw.post("/v1/secrets", tenant.adminKey(),
        "{\"name\":\"tools-token\",\"value\":\"" + TOKEN + "\",\"allowed_hosts\":[\"127.0.0.1\"]}");
    assertThat(secret.status()).as(secret.body()).isEqualTo(201);
    upstream = new TestUpstream();
    upstream.tool("whoami", "Tells who is calling.");
    TestGateway.Reply reg = gw.post("/v1/mcp-servers", tenant.adminKey(),
        "{\"name\":\"tools\",\"url\":\"" + upstream.url() + "\",\"auth\":\"vault://tools-token\"}");
    assertThat(reg.status()).as(reg.body()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    gw.close();
    upstream.close();
  }

  @Test
  void upstreamTokenIsInjected_andScrubbedFromWhatTheUpstreamEchoes() {
    TestGateway.Reply agent = gw.post("/v1/agents", tenant.adminKey(),
        "{\"name\":\"caller\",\"issue_key\":true,\"tools\":[\"tools/whoami\"]}");
    assertThat(agent.status()).as(agent.body()).isEqualTo(201);
    McpGatewayTest.Client c = new McpGatewayTest.Client(gw, agent.json().path("key").path("secret").asText());

    String answer = McpGatewayTest.text(c.call("tools__whoami", "{\"message\":\"hi\"}"));

    assertThat(upstream.authorizations).contains("Bearer " + TOKEN);
    assertThat(answer).contains("vault://tools-token").doesNotContain(TOKEN).doesNotContain("Zq81xW0pLm27");
    String audit = gw.get("/v1/audit/events?limit=500", tenant.adminKey()).body();
    assertThat(audit).contains("tool.called").doesNotContain(TOKEN);
  }
}
