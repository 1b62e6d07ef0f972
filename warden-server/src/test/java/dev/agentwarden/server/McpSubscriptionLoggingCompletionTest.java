package dev.agentwarden.server;

import static dev.agentwarden.server.McpListChangedTest.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The stateful parts of MCP through the gateway, against a real upstream on loopback:
 * {@code completion/complete} for attached prompts and resources, {@code logging/setLevel} with
 * upstream {@code notifications/message} relayed (filtered, redacted, masked), and resource
 * subscriptions held in an upstream session per agent session, whose updates reach the agent's
 * event stream under the server's namespace and which end with the agent's session.
 */
@Tag("database")
class McpSubscriptionLoggingCompletionTest {
  private static final String TOKEN = "upstream-" + "token-" + "Kf72pQ0zR5vx";
  private static TestGateway gw;
  private static TestGateway.NewTenant tenant;
  private static final List<TestUpstream> upstreams = new ArrayList<>();

  @BeforeAll
  static void start() {
    gw = TestGateway.start();
    tenant = gw.createTenant("mcp-protocol");
    gw.allowLoopbackUpstreams(tenant.adminKey());
    TestGateway.Reply secret = gw.post("/v1/secrets", tenant.adminKey(),
        "{\"name\":\"subs-token\",\"value\":\"" + TOKEN + "\",\"allowed_hosts\":[\"127.0.0.1\"]}");
    assertThat(secret.status()).as(secret.body()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    gw.close();
    upstreams.forEach(TestUpstream::close);
  }

  private static TestUpstream registered(String name, String extra) throws java.io.IOException {
    TestUpstream u = new TestUpstream();
    upstreams.add(u);
    TestGateway.Reply reg = gw.post("/v1/mcp-servers", tenant.adminKey(),
        "{\"name\":\"" + name + "\",\"url\":\"" + u.url() + "\"" + extra + "}");
    assertThat(reg.status()).as(reg.body()).isEqualTo(201);
    return u;
  }

  private static String agentKey(String name, String tools) {
    TestGateway.Reply r = gw.post("/v1/agents", tenant.adminKey(), "{\"name\":\"" + name + "\",\"issue_key\":true,"
        + "\"tools\":[" + tools + "]}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().path("key").path("secret").asText();
  }

  private static SseLines agentStream(McpGatewayTest.Client c) throws Exception {
    return SseLines.open(HttpRequest.newBuilder(gw.uri("/mcp")).GET()
        .header("Authorization", "Bearer " + c.key).header("Mcp-Session-Id", c.session)
        .header("Accept", "text/event-stream").build());
  }

  /** The data of the next event on the stream. */
  private static JsonNode nextEvent(SseLines stream) throws Exception {
    String line = stream.next("data: ");
    assertThat(line).startsWith("data: ");
    return Json.MAPPER.readTree(line.substring(6));
  }

  @Test
  void initialize_declaresSubscriptionsLoggingAndCompletions() throws Exception {
    registered("caps", "");
    McpGatewayTest.Client c = new McpGatewayTest.Client(gw, agentKey("caps-agent", "\"caps/echo\""));
    TestGateway.Reply init = gw.send("POST", "/mcp", c.key, "application/json",
        ("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
            + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}").getBytes(),
        java.util.Map.of("Accept", "application/json, text/event-stream"));
    JsonNode caps = init.json().path("result").path("capabilities");
    assertThat(caps.path("resources").path("subscribe").asBoolean()).isTrue();
    assertThat(caps.path("logging").isObject()).isTrue();
    assertThat(caps.path("completions").isObject()).isTrue();
  }

  @Test
  void completion_onlyForAttachedPromptsAndResources_namespaced_valuesRedactedAndScanned() throws Exception {
    TestUpstream u = registered("comp", "");
    McpGatewayTest.Client c = new McpGatewayTest.Client(gw, agentKey("completer", "\"comp/@prompts\",\"comp/@resources\""));
    McpGatewayTest.Client toolsOnly = new McpGatewayTest.Client(gw, agentKey("no-prompts", "\"comp/echo\""));

    JsonNode r = c.rpc("completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"comp__greet\"},"
        + "\"argument\":{\"name\":\"who\",\"value\":\"a\"},\"context\":{\"arguments\":{\"lang\":\"en\"}}}");
    JsonNode values = r.path("result").path("completion").path("values");
    assertThat(values.toString()).as(r.toString()).contains("alice").contains("bob token=")
        .doesNotContain(TestUpstream.LEAKED).doesNotContain("Ignore all previous");
    assertThat(values).hasSize(2);
    assertThat(r.path("result").path("completion").path("hasMore").asBoolean(true)).isFalse();
    assertThat(u.completions).hasSize(1);
    assertThat(u.completions.get(0).path("ref").path("name").asText()).isEqualTo("greet");
    assertThat(u.completions.get(0).path("context").path("arguments").path("lang").asText()).isEqualTo("en");

    JsonNode template = c.rpc("completion/complete", "{\"ref\":{\"type\":\"ref/resource\",\"uri\":\"comp+test://config\"},"
        + "\"argument\":{\"name\":\"name\",\"value\":\"\"}}");
    assertThat(template.path("result").path("completion").path("values").toString()).contains("alice");
    assertThat(u.completions.get(1).path("ref").path("uri").asText()).isEqualTo("test://config");

    // Refused before the upstream: prompts not attached, a name outside the namespace, a secret typed in.
    JsonNode unattached = toolsOnly.rpc("completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"comp__greet\"},"
        + "\"argument\":{\"name\":\"who\",\"value\":\"a\"}}");
    assertThat(unattached.path("error").path("code").asInt()).isEqualTo(-32602);
    JsonNode bare = c.rpc("completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"},"
        + "\"argument\":{\"name\":\"who\",\"value\":\"a\"}}");
    assertThat(bare.path("error").path("code").asInt()).isEqualTo(-32602);
    JsonNode unlisted = c.rpc("completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"comp__nosuch\"},"
        + "\"argument\":{\"name\":\"who\",\"value\":\"a\"}}");
    assertThat(unlisted.path("error").path("code").asInt()).isEqualTo(-32602);
    JsonNode secret = c.rpc("completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"comp__greet\"},"
        + "\"argument\":{\"name\":\"who\",\"value\":\"" + TestUpstream.LEAKED + "\"}}");
    assertThat(secret.path("error").path("message").asText()).contains("secret").doesNotContain(TestUpstream.LEAKED);
    assertThat(u.completions).hasSize(2);
    assertThat(gw.get("/v1/audit/events?limit=500&type=tool.called", tenant.adminKey()).body())
        .contains("completion/complete").doesNotContain(TestUpstream.LEAKED);
  }

  @Test
  void logsAnUpstreamSendsWhileAReadOrACompletionRuns_reachTheSession_onceItSetALevel() throws Exception {
    registered("reads", "");
    McpGatewayTest.Client c = new McpGatewayTest.Client(gw, agentKey("reader", "\"reads/@prompts\",\"reads/@resources\""));
    try (SseLines stream = agentStream(c)) {
      // Before a level is set nothing is relayed, so the first event is the read after it.
      assertThat(c.rpc("resources/read", "{\"uri\":\"reads+test://config\"}").path("result").isObject()).isTrue();
      assertThat(c.rpc("logging/setLevel", "{\"level\":\"info\"}").path("result").isObject()).isTrue();
      assertThat(c.rpc("resources/read", "{\"uri\":\"reads+test://config\"}").path("result").isObject()).isTrue();
      JsonNode read = nextEvent(stream);
      assertThat(read.path("params").path("level").asText()).isEqualTo("notice");
      assertThat(read.path("params").path("logger").asText()).isEqualTo("reads");
      assertThat(read.path("params").path("data").asText()).isEqualTo("read test://config");

      JsonNode done = c.rpc("completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"reads__greet\"},"
          + "\"argument\":{\"name\":\"who\",\"value\":\"a\"}}");
      assertThat(done.path("result").path("completion").path("values").toString()).contains("alice");
      JsonNode completing = nextEvent(stream);
      // The upstream named its own session; the gateway masks it.
      assertThat(completing.path("params").path("data").asText()).isEqualTo("completing for [upstream session]");
    }
  }

  @Test
  void logging_relaysUpstreamLogsAtTheSessionsLevel_redacted_injectionsWithheld_andNothingBeforeALevelIsSet() throws Exception {
    TestUpstream u = registered("logs", "");
    McpGatewayTest.Client c = new McpGatewayTest.Client(gw, agentKey("logger", "\"logs/echo\""));
    assertThat(c.rpc("logging/setLevel", "{\"level\":\"loud\"}").path("error").path("code").asInt()).isEqualTo(-32602);
    try (SseLines stream = agentStream(c)) {
      // No level asked for: this call's logs are not relayed.
      assertThat(McpGatewayTest.text(c.call("logs__echo", "{\"message\":\"one\"}"))).isEqualTo("echo: one");
      assertThat(c.rpc("logging/setLevel", "{\"level\":\"info\"}").path("result").isEmpty()).isTrue();
      assertThat(McpGatewayTest.text(c.call("logs__echo", "{\"message\":\"two\"}"))).isEqualTo("echo: two");
      // The first event is the second call's info message: the debug one was filtered out.
      JsonNode info = nextEvent(stream);
      assertThat(info.path("method").asText()).isEqualTo("notifications/message");
      assertThat(info.path("params").path("level").asText()).isEqualTo("info");
      assertThat(info.path("params").path("logger").asText()).isEqualTo("logs");
      assertThat(info.path("params").path("data").asText()).isEqualTo("working");
      JsonNode warning = nextEvent(stream);
      assertThat(warning.path("params").path("level").asText()).isEqualTo("warning");
      assertThat(warning.path("params").path("data").path("retry").asText()).startsWith("with token=")
          .doesNotContain(TestUpstream.LEAKED);
      // Log data is the upstream's output: an injection in it is withheld, the level kept.
      JsonNode injected = nextEvent(stream);
      assertThat(injected.path("params").path("level").asText()).isEqualTo("error");
      assertThat(injected.path("params").path("data").asText()).startsWith("[withheld by AgentWarden")
          .doesNotContain("Ignore all previous");
      assertThat(injected.path("params").path("_meta").path("io.agentwarden/injection").asText()).isIn("quarantine", "block");
    }
    // The upstream of the call was asked for the session's level too.
    assertThat(u.levels).containsValue("info");
  }

  @Test
  void subscription_isRefusedWhereTheAgentsPolicyRefusesTheRead() throws Exception {
    TestUpstream u = registered("guarded", "");
    TestGateway.Reply policy = gw.send("POST", "/v1/policies", tenant.adminKey(), "application/yaml", """
        name: echo-only-subs
        tools:
          allow:
            - tool: guarded/echo
        """.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.util.Map.of());
    assertThat(policy.status()).as(policy.body()).isEqualTo(201);
    TestGateway.Reply r = gw.post("/v1/agents", tenant.adminKey(), "{\"name\":\"policed-subscriber\",\"issue_key\":true,"
        + "\"tools\":[\"guarded/@resources\"],\"policy\":\"echo-only-subs\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    McpGatewayTest.Client c = new McpGatewayTest.Client(gw, r.json().path("key").path("secret").asText());
    JsonNode refused = c.rpc("resources/subscribe", "{\"uri\":\"guarded+test://config\"}");
    assertThat(refused.path("error").path("message").asText()).as(refused.toString()).contains("denied by policy");
    assertThat(u.subscribed).as("nothing was subscribed upstream").isEmpty();
  }

  @Test
  void subscription_relaysUpdatesOfSubscribedResourcesOnly_andEndsWithTheSession() throws Exception {
    TestUpstream u = registered("subs", ",\"auth\":\"vault://subs-token\"");
    McpGatewayTest.Client c = new McpGatewayTest.Client(gw, agentKey("subscriber", "\"subs/@resources\""));
    McpGatewayTest.Client outsider = new McpGatewayTest.Client(gw, agentKey("outsider", "\"subs/echo\""));

    JsonNode refused = outsider.rpc("resources/subscribe", "{\"uri\":\"subs+test://config\"}");
    assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32002);
    assertThat(c.rpc("resources/subscribe", "{\"uri\":\"test://config\"}").path("error").path("code").asInt())
        .isEqualTo(-32002);
    assertThat(u.subscribed).isEmpty();

    assertThat(c.rpc("logging/setLevel", "{\"level\":\"info\"}").path("result").isObject()).isTrue();
    try (SseLines stream = agentStream(c)) {
      JsonNode ok = c.rpc("resources/subscribe", "{\"uri\":\"subs+test://config\"}");
      assertThat(ok.path("result").isObject()).as(ok.toString()).isTrue();
      assertThat(u.subscribed).hasSize(1);
      String upstreamSession = u.subscribed.get(0).split(" ")[0];
      assertThat(u.subscribed.get(0)).endsWith(" test://config");
      assertThat(u.levels.get(upstreamSession)).isEqualTo("info");
      assertThat(u.authorizations).contains("Bearer " + TOKEN);

      // The upstream's acknowledgement, logged on its stream: no token, no credential, no upstream session id.
      JsonNode log = nextEvent(stream);
      assertThat(log.path("method").asText()).isEqualTo("notifications/message");
      assertThat(log.path("params").path("logger").asText()).isEqualTo("subs/subs");
      assertThat(log.path("params").path("data").asText()).contains("resources/subscribe test://config")
          .contains("vault://subs-token").doesNotContain(TOKEN).doesNotContain(TestUpstream.LEAKED)
          .doesNotContain(upstreamSession);

      // Updates: only of what was subscribed, renamed into the server's namespace.
      assertThat(u.announceTo(upstreamSession, updated("test://other"))).isTrue();
      assertThat(u.announceTo(upstreamSession, updated("test://config"))).isTrue();
      JsonNode update = nextEvent(stream);
      assertThat(update.path("method").asText()).isEqualTo("notifications/resources/updated");
      assertThat(update.path("params").path("uri").asText()).isEqualTo("subs+test://config");

      // The last unsubscribe ends the upstream session.
      assertThat(c.rpc("resources/unsubscribe", "{\"uri\":\"subs+test://config\"}").path("result").isObject()).isTrue();
      assertThat(u.unsubscribed).containsExactly(upstreamSession + " test://config");
      eventually("the upstream session ends with the last subscription", () -> u.ended.contains(upstreamSession));
    }

    // Ending the agent's session ends its subscriptions upstream.
    assertThat(c.rpc("resources/subscribe", "{\"uri\":\"subs+test://config\"}").path("result").isObject()).isTrue();
    String second = u.subscribed.get(1).split(" ")[0];
    assertThat(second).isNotEqualTo(u.subscribed.get(0).split(" ")[0]);
    TestGateway.Reply deleted = gw.send("DELETE", "/mcp", c.key, "application/json", new byte[0],
        java.util.Map.of("Mcp-Session-Id", c.session));
    assertThat(deleted.status()).isEqualTo(200);
    eventually("the upstream session ends with the agent's session", () -> u.ended.contains(second));
  }

  @Test
  void subscription_endsUpstream_whenTheAgentIsDetachedFromTheServersResources() throws Exception {
    TestUpstream u = registered("detach", "");
    TestGateway.Reply r = gw.post("/v1/agents", tenant.adminKey(), "{\"name\":\"detached\",\"issue_key\":true,"
        + "\"tools\":[\"detach/echo\",\"detach/@resources\"]}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    McpGatewayTest.Client c = new McpGatewayTest.Client(gw, r.json().path("key").path("secret").asText());
    assertThat(c.rpc("resources/subscribe", "{\"uri\":\"detach+test://config\"}").path("result").isObject()).isTrue();
    String upstreamSession = u.subscribed.get(0).split(" ")[0];

    TestGateway.Reply patched = gw.send("PATCH", "/v1/agents/" + r.json().path("agent").path("id").asText(),
        tenant.adminKey(), "application/json", "{\"tools\":[\"detach/echo\"]}".getBytes(), java.util.Map.of());
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    eventually("the link's upstream session ends once the resources are detached", () -> u.ended.contains(upstreamSession));
    assertThat(c.rpc("resources/subscribe", "{\"uri\":\"detach+test://config\"}").path("error").path("code").asInt())
        .isEqualTo(-32002);
    assertThat(u.subscribed).hasSize(1);
  }

  @Test
  void subscriptionLink_whoseUpstreamSessionIsLost_reconnectsAndSubscribesAgain() throws Exception {
    TestUpstream u = registered("restart", "");
    McpGatewayTest.Client c = new McpGatewayTest.Client(gw, agentKey("restarted", "\"restart/@resources\""));
    try (SseLines stream = agentStream(c)) {
      assertThat(c.rpc("resources/subscribe", "{\"uri\":\"restart+test://config\"}").path("result").isObject()).isTrue();
      String first = u.subscribed.get(0).split(" ")[0];

      u.dropSession(first);
      eventually("the link subscribes again on a new upstream session", () -> u.subscribed.size() == 2);
      String second = u.subscribed.get(1).split(" ")[0];
      assertThat(second).isNotEqualTo(first);
      assertThat(u.subscribed.get(1)).endsWith(" test://config");

      eventually("the new session's stream is open", () -> u.sessionStreams.containsKey(second));
      assertThat(u.announceTo(second, updated("test://config"))).isTrue();
      JsonNode update = nextEvent(stream);
      assertThat(update.path("params").path("uri").asText()).isEqualTo("restart+test://config");
    }
  }

  private static String updated(String uri) {
    return "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/resources/updated\",\"params\":{\"uri\":\"" + uri + "\"}}";
  }
}
