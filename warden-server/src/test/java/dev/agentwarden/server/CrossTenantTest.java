package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentwarden.core.auth.Role;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Tenant A's keys aimed at tenant B's resources. Every tenant route with a path parameter must
 * be listed in {@link #PROBES} with a way to name one of B's resources: a new endpoint joins the
 * suite by being listed, and {@link #everyTenantRouteWithAPathParameter_isListed} fails until it is.
 */
@Tag("database")
class CrossTenantTest {
  /** What a probe needs: B's resources and a body that is valid apart from the foreign id. */
  record Fixture(String tenantOfB, String keyOfB, String secretOfB, String providerOfB, String agentOfB, String serverOfB,
      String approvalOfB, String allowOfB) {}

  record Probe(Function<Fixture, String> path, String body) {}

  static final Map<String, Probe> PROBES = new LinkedHashMap<>();

  static {
    PROBES.put("GET /v1/keys/{id}", new Probe(f -> "/v1/keys/" + f.keyOfB(), null));
    PROBES.put("DELETE /v1/keys/{id}", new Probe(f -> "/v1/keys/" + f.keyOfB(), null));
    PROBES.put("POST /v1/keys/{id}/rotate", new Probe(f -> "/v1/keys/" + f.keyOfB(), "{\"grace_seconds\":0}"));
    PROBES.put("GET /v1/secrets/{name}", new Probe(f -> "/v1/secrets/" + f.secretOfB(), null));
    PROBES.put("PUT /v1/secrets/{name}", new Probe(f -> "/v1/secrets/" + f.secretOfB(), "{\"value\":\"overwritten-by-a\"}"));
    PROBES.put("DELETE /v1/secrets/{name}", new Probe(f -> "/v1/secrets/" + f.secretOfB(), null));
    PROBES.put("GET /v1/providers/{name}", new Probe(f -> "/v1/providers/" + f.providerOfB(), null));
    PROBES.put("PATCH /v1/providers/{name}", new Probe(f -> "/v1/providers/" + f.providerOfB(), "{\"enabled\":false}"));
    PROBES.put("DELETE /v1/providers/{name}", new Probe(f -> "/v1/providers/" + f.providerOfB(), null));
    PROBES.put("GET /v1/policies/{name}", new Probe(f -> "/v1/policies/only-b-policy", null));
    PROBES.put("GET /v1/policies/{name}/versions", new Probe(f -> "/v1/policies/only-b-policy", null));
    PROBES.put("POST /v1/policies/{name}/test", new Probe(f -> "/v1/policies/only-b-policy", "{\"url\":\"https://api.example.com/\"}"));
    PROBES.put("GET /v1/agents/{id}", new Probe(f -> "/v1/agents/" + f.agentOfB(), null));
    PROBES.put("PATCH /v1/agents/{id}", new Probe(f -> "/v1/agents/" + f.agentOfB(), "{\"enabled\":false}"));
    PROBES.put("DELETE /v1/agents/{id}", new Probe(f -> "/v1/agents/" + f.agentOfB(), null));
    PROBES.put("GET /v1/mcp-servers/{id}", new Probe(f -> "/v1/mcp-servers/" + f.serverOfB(), null));
    PROBES.put("PATCH /v1/mcp-servers/{id}", new Probe(f -> "/v1/mcp-servers/" + f.serverOfB(), "{\"enabled\":false}"));
    PROBES.put("DELETE /v1/mcp-servers/{id}", new Probe(f -> "/v1/mcp-servers/" + f.serverOfB(), null));
    PROBES.put("POST /v1/mcp-servers/{id}/sync", new Probe(f -> "/v1/mcp-servers/" + f.serverOfB(), ""));
    PROBES.put("POST /v1/mcp-servers/{id}/tools/{tool}/approve", new Probe(f -> "/v1/mcp-servers/" + f.serverOfB(),
        "{\"identity_sha256\":\"" + "0".repeat(64) + "\"}"));
    PROBES.put("POST /v1/mcp-servers/{id}/prompts/{prompt}/approve", new Probe(f -> "/v1/mcp-servers/" + f.serverOfB(),
        "{\"identity_sha256\":\"" + "0".repeat(64) + "\"}"));
    PROBES.put("POST /v1/mcp-servers/{id}/resources/approve", new Probe(f -> "/v1/mcp-servers/" + f.serverOfB(),
        "{\"uri\":\"test://config\",\"identity_sha256\":\"" + "0".repeat(64) + "\"}"));
    PROBES.put("GET /v1/approvals/{id}", new Probe(f -> "/v1/approvals/" + f.approvalOfB(), null));
    PROBES.put("POST /v1/approvals/{id}/approve", new Probe(f -> "/v1/approvals/" + f.approvalOfB(),
        "{\"payload_sha256\":\"" + "0".repeat(64) + "\"}"));
    PROBES.put("POST /v1/approvals/{id}/deny", new Probe(f -> "/v1/approvals/" + f.approvalOfB(),
        "{\"payload_sha256\":\"" + "0".repeat(64) + "\"}"));
    PROBES.put("GET /v1/session-allows/{id}", new Probe(f -> "/v1/session-allows/" + f.allowOfB(), null));
    PROBES.put("DELETE /v1/session-allows/{id}", new Probe(f -> "/v1/session-allows/" + f.allowOfB(), null));
    PROBES.put("GET /v1/trust/providers/{name}", new Probe(f -> "/v1/trust/providers/" + f.providerOfB(), null));
    PROBES.put("GET /v1/trust/mcp-servers/{name}", new Probe(f -> "/v1/trust/mcp-servers/only-b-server", null));
    PROBES.put("GET /v1/trust/tools/{server}/{tool}", new Probe(f -> "/v1/trust/tools/only-b-server", null));
  }

  private static TestGateway gw;
  private static TestGateway.NewTenant a;
  private static TestGateway.NewTenant b;
  private static Fixture fixture;

  @BeforeAll
  static void seed() {
    gw = TestGateway.start();
    a = gw.createTenant("tenant-a");
    b = gw.createTenant("tenant-b");
    String[] keyOfB = gw.createKey(b.adminKey(), "b-key", "agent");
    assertThat(gw.post("/v1/secrets", b.adminKey(),
        "{\"name\":\"only-b-secret\",\"value\":\"b-secret-value-0001\",\"allowed_hosts\":[\"api.example.com\"]}").status())
        .isEqualTo(201);
    assertThat(gw.post("/v1/providers", b.adminKey(),
        "{\"name\":\"only-b-provider\",\"kind\":\"openai\",\"base_url\":\"https://api.example.com/v1\",\"api_key\":\"sk-b-provider-key-0001\"}").status())
        .isEqualTo(201);
    assertThat(gw.send("POST", "/v1/policies", b.adminKey(), "application/yaml",
        "name: only-b-policy\nnetwork:\n  allow:\n    - host: api.example.com\n".getBytes(StandardCharsets.UTF_8), Map.of()).status())
        .isEqualTo(201);
    TestGateway.Reply agentOfB = gw.post("/v1/agents", b.adminKey(), "{\"name\":\"only-b-agent\"}");
    assertThat(agentOfB.status()).isEqualTo(201);
    // B's upstream and approval are stored directly: registering one would need a live upstream.
    dev.agentwarden.core.id.TenantId tenantB = new dev.agentwarden.core.id.TenantId(java.util.UUID.fromString(b.id()));
    java.util.UUID serverOfB = java.util.UUID.randomUUID();
    java.util.UUID approvalOfB = java.util.UUID.randomUUID();
    java.util.UUID allowOfB = java.util.UUID.randomUUID();
    gw.gateway().database().inTenant(tenantB, tx -> {
      dev.agentwarden.store.McpServers.insert(tx, serverOfB, "only-b-server", "https://mcp.example.com/mcp",
          java.util.Optional.empty(), true);
      dev.agentwarden.store.Approvals.insert(tx, new dev.agentwarden.core.approval.ApprovalGate(java.time.Clock.systemUTC())
          .open(approvalOfB, dev.agentwarden.core.approval.ApprovalPayload.of(Json.MAPPER.createObjectNode().put("tool", "x/y")),
              dev.agentwarden.core.approval.Actor.key(keyOfB[0]),
              dev.agentwarden.core.approval.ApprovalRule.approvers(1, java.time.Duration.ofHours(1))),
          java.util.Optional.empty(), "x/y", "{\"kind\":\"rule\"}");
      dev.agentwarden.store.SessionAllows.insert(tx, new dev.agentwarden.store.SessionAllows.SessionAllow(allowOfB,
          java.util.UUID.fromString(agentOfB.json().path("agent").path("id").asText()), "only-b-agent", "x/y",
          "1".repeat(64), "2".repeat(64), approvalOfB, java.util.UUID.fromString(keyOfB[0]), java.time.Instant.now(),
          java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty()));
      return null;
    });
    // B has trust evidence on its provider, server and tool (only-b-server/echo), so a leak would show.
    dev.agentwarden.store.TrustLedger ledger = new dev.agentwarden.store.TrustLedger(gw.gateway().database(),
        dev.agentwarden.core.trust.TrustRule.standard(), java.time.Clock.systemUTC());
    ledger.record(tenantB, dev.agentwarden.core.trust.TrustSubject.provider("only-b-provider"),
        dev.agentwarden.core.trust.EvidenceKind.ERROR, "seed");
    ledger.record(tenantB, dev.agentwarden.core.trust.TrustSubject.mcpServer("only-b-server"),
        dev.agentwarden.core.trust.EvidenceKind.TIMEOUT, "seed");
    ledger.record(tenantB, dev.agentwarden.core.trust.TrustSubject.tool("only-b-server", "echo"),
        dev.agentwarden.core.trust.EvidenceKind.IDENTITY_CHANGE, "seed");
    fixture = new Fixture(b.id(), keyOfB[0], "only-b-secret", "only-b-provider",
        agentOfB.json().path("agent").path("id").asText(), serverOfB.toString(), approvalOfB.toString(),
        allowOfB.toString());
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private static boolean tenantRoute(ApiRoute r) {
    return !r.isPublic() && r.roles().stream().anyMatch(role -> role != Role.OPERATOR);
  }

  @Test
  void everyTenantRouteWithAPathParameter_isListed() {
    List<String> unlisted = new ArrayList<>();
    for (ApiRoute r : gw.gateway().routes()) {
      String name = r.method() + " " + r.template();
      if (tenantRoute(r) && r.template().contains("{") && !PROBES.containsKey(name)) {
        unlisted.add(name);
      }
    }
    assertThat(unlisted).as("tenant routes missing from CrossTenantTest.PROBES").isEmpty();
  }

  @Test
  void aKeysOfA_onBsIds_answer404_andChangeNothing() {
    for (Map.Entry<String, Probe> e : PROBES.entrySet()) {
      String method = e.getKey().substring(0, e.getKey().indexOf(' '));
      String template = e.getKey().substring(method.length() + 1);
      String path = resolve(template, e.getValue().path().apply(fixture));
      byte[] body = e.getValue().body() == null ? null : e.getValue().body().getBytes(StandardCharsets.UTF_8);
      TestGateway.Reply r = gw.send(method, path, a.adminKey(), body == null ? null : "application/json", body, Map.of());
      assertThat(r.status()).as(e.getKey() + " -> " + r.body()).isEqualTo(404);
      assertThat(r.body()).doesNotContain(fixture.keyOfB()).doesNotContain(b.id());
    }
    // B's key survived every probe, including DELETE and rotate.
    TestGateway.Reply mine = gw.get("/v1/keys/" + fixture.keyOfB(), b.adminKey());
    assertThat(mine.json().path("status").asText()).isEqualTo("active");
    assertThat(mine.json().path("rotated_at").isNull()).isTrue();
    assertThat(gw.get("/v1/secrets/" + fixture.secretOfB(), b.adminKey()).status()).isEqualTo(200);
    assertThat(gw.get("/v1/providers/" + fixture.providerOfB(), b.adminKey()).json().path("enabled").asBoolean()).isTrue();
    assertThat(gw.get("/v1/agents/" + fixture.agentOfB(), b.adminKey()).json().path("enabled").asBoolean()).isTrue();
    assertThat(gw.get("/v1/mcp-servers/" + fixture.serverOfB(), b.adminKey()).json().path("server").path("enabled").asBoolean())
        .isTrue();
    assertThat(gw.get("/v1/approvals/" + fixture.approvalOfB(), b.adminKey()).json().path("status").asText()).isEqualTo("pending");
    assertThat(gw.get("/v1/session-allows/" + fixture.allowOfB(), b.adminKey()).json().path("status").asText())
        .isEqualTo("active");
  }

  @Test
  void resourcesNamedInTheBody_ofB_areNotFoundForA() {
    TestGateway.Reply r = gw.post("/v1/core/delete/provider", a.adminKey(), "{\"name\":\"" + fixture.providerOfB() + "\"}");
    assertThat(r.status()).isEqualTo(404);
    assertThat(gw.get("/v1/providers/" + fixture.providerOfB(), b.adminKey()).status()).isEqualTo(200);
  }

  @Test
  void everyTenantListing_withAsKey_showsNothingOfB() {
    for (ApiRoute r : gw.gateway().routes()) {
      if (!tenantRoute(r) || !r.method().equals("GET") || r.template().contains("{")) {
        continue;
      }
      TestGateway.Reply reply = gw.get(r.template(), a.adminKey());
      assertThat(reply.body()).as(r.template()).doesNotContain(b.id()).doesNotContain(fixture.keyOfB());
    }
  }

  @Test
  void aTenantKey_onOperatorRoutes_isForbidden() {
    assertThat(gw.get("/v1/tenants/" + b.id(), a.adminKey()).status()).isEqualTo(403);
    assertThat(gw.post("/v1/tenants/" + b.id() + "/suspend", a.adminKey(), "").status()).isEqualTo(403);
    assertThat(gw.delete("/v1/tenants/" + b.id(), a.adminKey()).status()).isEqualTo(403);
    assertThat(gw.delete("/v1/tenants/" + a.id(), a.adminKey()).status()).as("not even its own").isEqualTo(403);
    assertThat(gw.get("/v1/secrets/" + fixture.secretOfB(), b.adminKey()).status()).isEqualTo(200);
    assertThat(gw.get("/v1/tenants/" + b.id(), gw.operatorKey()).json().path("status").asText()).isEqualTo("active");
  }

  /** Replaces the template's single parameter by the probe's id, keeping the rest of the template. */
  private static String resolve(String template, String probePath) {
    String id = probePath.substring(probePath.lastIndexOf('/') + 1);
    return template.replaceFirst("\\{[^}]+}", id).replaceAll("\\{[^}]+}", "echo");
  }
}
