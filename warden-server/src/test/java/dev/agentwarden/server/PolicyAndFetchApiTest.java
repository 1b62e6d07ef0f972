package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/policies} and {@code /v1/actions/fetch} over real sockets: the tenant's default
 * policy decides, the upstream (a JDK HTTP server on 127.0.0.1) is reachable only through the
 * CIDR rule that names it, and a brokered secret is injected for it and scrubbed from the reply.
 */
@Tag("database")
class PolicyAndFetchApiTest {
  private static final String SECRET = "sk-fetch-canary-9Kq2Lm7Xw3Vb5Nz8";
  private static TestGateway gw;
  private static HttpServer upstream;
  private static final AtomicInteger upstreamHits = new AtomicInteger();
  private static String admin;
  private static String agent;
  private static String otherAgent;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start();
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    upstream.createContext("/", ex -> {
      upstreamHits.incrementAndGet();
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      byte[] body = ("path=" + ex.getRequestURI() + " host=" + ex.getRequestHeaders().getFirst("Host") + " auth=" + auth)
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("X-Echo-Auth", String.valueOf(auth));
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    upstream.start();
    port = upstream.getAddress().getPort();
    TestGateway.NewTenant t = gw.createTenant("fetcher");
    admin = t.adminKey();
    agent = gw.createKey(admin, "bot", "agent")[1];
    TestGateway.NewTenant other = gw.createTenant("other");
    otherAgent = gw.createKey(other.adminKey(), "bot", "agent")[1];
  }

  @AfterAll
  static void stop() {
    if (upstream != null) {
      upstream.stop(0);
    }
    if (gw != null) {
      gw.close();
    }
  }

  private static TestGateway.Reply storePolicy(String key, String yaml) {
    return gw.send("POST", "/v1/policies", key, "application/yaml", yaml.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  private static TestGateway.Reply fetch(String key, String json) {
    return gw.post("/v1/actions/fetch", key, json);
  }

  private static final String DEFAULT_POLICY =
      """
      name: default
      network:
        allow:
          - cidr: 127.0.0.1/32
            schemes: [http]
            ports: ["*"]
            http: ["GET /ok/**", "POST /ok/**"]
      """;

  @Test
  void policies_areValidatedVersionedAndReadBack_andOnlyAdminsStoreThem() {
    String doc = "name: scratch\nnetwork:\n  allow:\n    - host: api.github.com\n";
    assertThat(storePolicy(admin, "name: scratch\nnetwork:\n  allow:\n    - hots: api.github.com\n").code()).isEqualTo("invalid_policy");
    assertThat(storePolicy(admin, "name: scratch\nnetwork:\n  allow:\n    - cidr: 10.0.0.1/8\n").status()).isEqualTo(400);
    TestGateway.Reply first = storePolicy(admin, doc);
    assertThat(first.status()).isEqualTo(201);
    assertThat(first.json().path("version").asInt()).isEqualTo(1);
    assertThat(first.json().path("sha256").asText()).hasSize(64);
    assertThat(storePolicy(admin, doc + "  # v2\n").json().path("version").asInt()).isEqualTo(2);
    assertThat(gw.get("/v1/policies/scratch/versions", admin).json().path("items")).hasSize(2);
    assertThat(gw.get("/v1/policies/scratch", admin).json().path("document").asText()).endsWith("# v2\n");
    assertThat(gw.get("/v1/policies/missing", admin).status()).isEqualTo(404);
    assertThat(storePolicy(agent, doc).status()).isEqualTo(403);
    assertThat(gw.post("/v1/policies", admin, "{\"name\": \"json-doc\", \"network\": {\"allow\": []}}").status()).isEqualTo(201);
  }

  @Test
  void fetch_goesThroughEgressUnderTheDefaultPolicy_andDeniesEverythingElse() {
    assertThat(fetch(otherAgent, "{\"url\": \"http://127.0.0.1:" + port + "/ok/x\"}").code()).isEqualTo("egress_denied");
    assertThat(storePolicy(admin, DEFAULT_POLICY).status()).isEqualTo(201);

    int before = upstreamHits.get();
    TestGateway.Reply ok = fetch(agent, "{\"url\": \"http://127.0.0.1:" + port + "/ok/a/../b?q=1\"}");
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    JsonNode r = ok.json();
    assertThat(r.path("status").asInt()).isEqualTo(200);
    assertThat(r.path("body").asText()).startsWith("path=/ok/b?q=1 host=127.0.0.1:" + port);
    assertThat(r.path("connected_to").asText()).isEqualTo("127.0.0.1");
    assertThat(r.path("policy").asText()).isEqualTo("default");
    assertThat(upstreamHits.get()).isEqualTo(before + 1);
    assertThat(gw.logLines()).anyMatch(l -> l.contains("egress_decision") && l.contains("\"verdict\":\"allow\""));
    JsonNode decided = gw.get("/v1/audit/events?type=policy.decided", admin).json().path("data");
    assertThat(decided).anyMatch(e -> e.path("body").path("decision").asText().equals("allow")
        && e.path("body").path("connected_to").asText().equals("127.0.0.1"));

    for (String url :
        new String[] {
          "http://169.254.169.254/latest/meta-data/",
          "http://0x7f.2:" + port + "/ok/",
          "http://[::1]:" + port + "/ok/",
          "http://user@127.0.0.1:" + port + "/ok/",
          "file:///etc/passwd",
          "http://127.0.0.1:" + port + "/admin",
        }) {
      TestGateway.Reply denied = fetch(agent, "{\"url\": \"" + url + "\"}");
      assertThat(denied.status()).as(url).isEqualTo(403);
      assertThat(denied.code()).as(url).isEqualTo("egress_denied");
    }
    assertThat(fetch(agent, "{\"url\": \"http://127.0.0.1:" + port + "/ok/\", \"method\": \"DELETE\"}").code()).isEqualTo("egress_denied");
    assertThat(upstreamHits.get()).isEqualTo(before + 1);
    assertThat(gw.get("/v1/audit/events?type=policy.decided", admin).json().path("data"))
        .anyMatch(e -> e.path("body").path("rule").asText().equals("network.special_address"));
    assertThat(gw.get("/v1/audit/events?type=policy.changed", admin).json().path("data")).isNotEmpty();
    assertThat(fetch(agent, "{\"url\": \"http://127.0.0.1:" + port + "/ok/\", \"headers\": {\"Host\": \"evil\"}}").status()).isEqualTo(400);
    assertThat(fetch(admin, "{\"url\": \"http://127.0.0.1:" + port + "/ok/\"}").status()).isEqualTo(403);
  }

  @Test
  void brokeredSecret_isInjectedForTheCheckedDestination_andScrubbedFromTheResponse() {
    assertThat(storePolicy(admin, DEFAULT_POLICY).status()).isEqualTo(201);
    TestGateway.Reply created = gw.post("/v1/secrets", admin,
        "{\"name\":\"upstream\",\"value\":\"" + SECRET + "\",\"allowed_hosts\":[\"127.0.0.1\"]}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    TestGateway.Reply r = fetch(agent, "{\"url\": \"http://127.0.0.1:" + port + "/ok/s\", \"secret\": \"vault://upstream\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).doesNotContain(SECRET);
    assertThat(r.json().path("body").asText()).contains("auth=Bearer [vault://upstream]");
    assertThat(r.json().path("headers").path("x-echo-auth").get(0).asText()).isEqualTo("Bearer [vault://upstream]");
    assertThat(String.join("\n", gw.logLines())).doesNotContain(SECRET);

    TestGateway.Reply elsewhere = fetch(agent, "{\"url\": \"http://169.254.169.254/\", \"secret\": \"vault://upstream\"}");
    assertThat(elsewhere.code()).isEqualTo("egress_denied");
  }

  @Test
  void upstreamPolicyOfATenant_isItsDefaultPolicysNetworkSection_andDenyAllWithoutOne() {
    TestGateway.NewTenant fresh = gw.createTenant("upstreams");
    TenantPolicies policies = new TenantPolicies(gw.gateway().database());
    dev.agentwarden.core.id.TenantId id = dev.agentwarden.core.id.TenantId.parse(fresh.id());
    String url = "http://127.0.0.1:" + port + "/ok/";
    assertThat(policies.defaultNetwork(id).check(url, name -> java.util.List.of()).allowed()).isFalse();
    assertThat(storePolicy(fresh.adminKey(), DEFAULT_POLICY).status()).isEqualTo(201);
    assertThat(policies.defaultNetwork(id).check(url, name -> java.util.List.of()).allowed()).isTrue();
  }

  @Test
  void policyTest_decidesEachKindOfActionWithoutDoingIt() {
    String doc = """
        name: tested
        network:
          allow:
            - cidr: 127.0.0.1/32
              schemes: [http]
              ports: ["*"]
        shell:
          enabled: true
          programs:
            ls: {}
        """;
    assertThat(storePolicy(admin, doc).status()).as("store").isEqualTo(201);
    int hitsBefore = upstreamHits.get();
    JsonNode url = gw.post("/v1/policies/tested/test", admin, "{\"url\": \"http://127.0.0.1:" + port + "/ok/\"}").json();
    assertThat(url.path("decision").asText()).isEqualTo("allow");
    assertThat(url.path("connected_to").asText()).isEqualTo("127.0.0.1");
    assertThat(upstreamHits.get()).isEqualTo(hitsBefore);
    JsonNode meta = gw.post("/v1/policies/tested/test", admin, "{\"url\": \"http://0xa9fea9fe/\"}").json();
    assertThat(meta.path("decision").asText()).isEqualTo("deny");
    assertThat(meta.path("rule").asText()).isEqualTo("network.special_address");
    assertThat(gw.post("/v1/policies/tested/test", admin, "{\"command\": \"ls -la\"}").json().path("decision").asText()).isEqualTo("allow");
    assertThat(gw.post("/v1/policies/tested/test", admin, "{\"command\": \"ls; rm -rf /\"}").json().path("decision").asText()).isEqualTo("deny");
    assertThat(gw.post("/v1/policies/tested/test", admin, "{\"path\": \"src/a.txt\"}").json().path("decision").asText()).isEqualTo("deny");
    assertThat(gw.post("/v1/policies/tested/test", admin, "{\"url\": \"http://x/\", \"command\": \"ls\"}").status()).isEqualTo(400);
    assertThat(gw.post("/v1/policies/nope/test", admin, "{\"command\": \"ls\"}").status()).isEqualTo(404);
    assertThat(gw.post("/v1/policies/tested/test", agent, "{\"command\": \"ls\"}").status()).isEqualTo(403);
  }
}
