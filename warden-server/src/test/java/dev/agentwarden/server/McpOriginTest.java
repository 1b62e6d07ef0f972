package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** DNS-rebinding protection (the Origin header) and MCP-Protocol-Version validation on {@code /mcp}. */
@Tag("database")
class McpOriginTest {
  private static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
      + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
  private static TestGateway gw;
  private static TestGateway.NewTenant tenant;
  private static String key;

  @BeforeAll
  static void start() {
    gw = TestGateway.start(Map.of("mcp_allowed_origins", "https://Console.Example.com:443, http://localhost:3000"));
    tenant = gw.createTenant("origin-tenant");
    TestGateway.Reply r = gw.post("/v1/agents", tenant.adminKey(), "{\"name\":\"browser\",\"tools\":[],\"issue_key\":true}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    key = r.json().path("key").path("secret").asText();
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private static TestGateway.Reply post(String body, Map<String, String> headers) {
    Map<String, String> h = new HashMap<>(headers);
    h.put("Accept", "application/json, text/event-stream");
    return gw.send("POST", "/mcp", key, "application/json", body.getBytes(StandardCharsets.UTF_8), h);
  }

  private static String session() {
    TestGateway.Reply init = post(INIT, Map.of());
    assertThat(init.status()).as(init.body()).isEqualTo(200);
    return init.header("Mcp-Session-Id").orElseThrow();
  }

  private static void assertForbidden(TestGateway.Reply r) {
    assertThat(r.status()).as(r.body()).isEqualTo(403);
    assertThat(r.json().path("jsonrpc").asText()).isEqualTo("2.0");
    assertThat(r.json().path("error").path("code").asInt()).isEqualTo(-32600);
    assertThat(r.json().path("error").path("message").asText()).contains("Origin");
    assertThat(r.header("Mcp-Session-Id")).isEmpty();
  }

  private static int auditCount(String type) {
    return gw.get("/v1/audit/events?limit=500&type=" + type, tenant.adminKey()).json().path("data").size();
  }

  @Test
  void foreignOrigins_areRefusedBeforeASessionExists() {
    for (String origin : new String[] {"http://evil.example.com", "null", "https://console.example.com.evil.com",
        "http://console.example.com", "https://console.example.com:8443", "http://localhost:3001", "http://localhost",
        "https://user@console.example.com", "not an origin", ""}) {
      assertForbidden(post(INIT, Map.of("Origin", origin)));
    }
  }

  @Test
  void foreignOrigin_withAValidSession_callsNothing_andAuditsNothing() {
    String s = session();
    int decided = auditCount("policy.decided");
    int called = auditCount("tool.called");
    String call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"test/echo\",\"arguments\":{}}}";
    assertForbidden(post(call, Map.of("Mcp-Session-Id", s, "Origin", "http://evil.example.com")));
    assertThat(auditCount("policy.decided")).isEqualTo(decided);
    assertThat(auditCount("tool.called")).isEqualTo(called);
    assertForbidden(gw.send("GET", "/mcp", key, null, null,
        Map.of("Mcp-Session-Id", s, "Accept", "text/event-stream", "Origin", "null")));
    assertForbidden(gw.send("DELETE", "/mcp", key, null, null, Map.of("Mcp-Session-Id", s, "Origin", "null")));
    // The same call without an Origin reaches the gateway's policy, which refuses the unattached tool and audits it.
    TestGateway.Reply plain = post(call, Map.of("Mcp-Session-Id", s));
    assertThat(plain.status()).as(plain.body()).isEqualTo(200);
    assertThat(auditCount("policy.decided")).isEqualTo(decided + 1);
  }

  @Test
  void allowedOrigins_andRequestsWithoutOrigin_areServed() {
    for (String origin : new String[] {"https://console.example.com", "HTTPS://CONSOLE.EXAMPLE.COM:443",
        "http://localhost:3000"}) {
      TestGateway.Reply init = post(INIT, Map.of("Origin", origin));
      assertThat(init.status()).as(origin + ": " + init.body()).isEqualTo(200);
      assertThat(init.header("Mcp-Session-Id")).isPresent();
    }
    assertThat(session()).isNotEmpty();
  }

  @Test
  void unsupportedProtocolVersion_afterInitialize_gets400_andAbsentOrSupportedVersionsPass() {
    String s = session();
    String ping = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}";
    for (String bad : new String[] {"1999-01-01", "2025-06-18; DROP", "latest", ""}) {
      TestGateway.Reply r = post(ping, Map.of("Mcp-Session-Id", s, "MCP-Protocol-Version", bad));
      assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
      assertThat(r.json().path("error").path("code").asInt()).isEqualTo(-32600);
      assertThat(r.json().path("error").path("message").asText())
          .contains("unsupported MCP-Protocol-Version").contains("2025-11-25");
    }
    TestGateway.Reply stream = gw.send("GET", "/mcp", key, null, null,
        Map.of("Mcp-Session-Id", s, "Accept", "text/event-stream", "MCP-Protocol-Version", "2099-12-31"));
    assertThat(stream.status()).as(stream.body()).isEqualTo(400);
    assertThat(post(ping, Map.of("Mcp-Session-Id", s, "MCP-Protocol-Version", "2025-06-18")).status()).isEqualTo(200);
    assertThat(post(ping, Map.of("Mcp-Session-Id", s)).status()).isEqualTo(200);
    assertThat(gw.send("DELETE", "/mcp", key, null, null, Map.of("Mcp-Session-Id", s, "MCP-Protocol-Version", "0"))
        .status()).isEqualTo(400);
  }

  @Test
  void allowedOriginsSetting_refusesNullWildcardsPathsAndOtherSchemes() {
    for (String bad : new String[] {"null", "*", "https://*.example.com", "ftp://example.com", "https://example.com/app",
        "example.com", "https://example.com?x=1", "https://a.example.com,file:///etc"}) {
      assertThatThrownBy(() -> GatewayConfig.from(Map.of("mcp_allowed_origins", bad)))
          .as(bad).isInstanceOf(GatewayConfig.InvalidConfigException.class).hasMessageContaining("mcp_allowed_origins");
    }
    assertThat(GatewayConfig.from(Map.of()).mcpAllowedOrigins().origins()).isEmpty();
    assertThat(GatewayConfig.from(Map.of("mcp_allowed_origins", "https://A.example.com:443,http://b.example.com:8080"))
        .mcpAllowedOrigins().origins()).containsExactly("https://a.example.com", "http://b.example.com:8080");
  }
}
