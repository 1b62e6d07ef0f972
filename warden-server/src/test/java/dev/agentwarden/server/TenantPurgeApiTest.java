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
 * {@code DELETE /v1/tenants/{id}} end to end: operator only, the tenant's keys stop working, its
 * data is gone from the database, other tenants are untouched, and the operator's own chain keeps
 * the record. Idempotent: a repeat answers the first purge's record.
 */
@Tag("database")
class TenantPurgeApiTest {
  // Built by concatenation: the repository scans itself for secrets.
  private static final String CANARY_A = "sk-purge-api-a-" + "Wm41QxZ8vR2nT6yL";
  private static final String CANARY_B = "sk-purge-api-b-" + "Pk72HsD9cF3jN5uE";

  private static TestGateway gw;
  private static TestGateway.NewTenant a;
  private static TestGateway.NewTenant b;
  private static String agentOfA;
  private static String auditorOfB;

  @BeforeAll
  static void seed() {
    gw = TestGateway.start();
    a = gw.createTenant("purge-target-tenant");
    b = gw.createTenant("purge-bystander");
    for (var t : new TestGateway.NewTenant[] {a, b}) {
      String secret = t == a ? CANARY_A : CANARY_B;
      assertThat(gw.post("/v1/secrets", t.adminKey(), "{\"name\":\"up\",\"value\":\"" + secret
          + "\",\"allowed_hosts\":[\"api.example.com\"]}").status()).isEqualTo(201);
      assertThat(gw.post("/v1/providers", t.adminKey(), "{\"name\":\"openai\",\"kind\":\"openai\","
          + "\"base_url\":\"https://api.example.com/v1\",\"secret_ref\":\"vault://up\"}").status()).isEqualTo(201);
      assertThat(gw.send("POST", "/v1/policies", t.adminKey(), "application/yaml",
          "name: default\nnetwork:\n  allow:\n    - host: api.example.com\n".getBytes(StandardCharsets.UTF_8), Map.of())
          .status()).isEqualTo(201);
    }
    agentOfA = gw.createKey(a.adminKey(), "bot", "agent")[1];
    auditorOfB = gw.createKey(b.adminKey(), "auditor", "auditor")[1];
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @Test
  void purge_isOperatorOnly_thenKeysFail_dataIsGone_othersUntouched_andTheRecordStays() throws Exception {
    long chainOfB = gw.get("/v1/audit/checkpoints/latest", b.adminKey()).json().path("tree_size").asLong();
    assertThat(gw.delete("/v1/tenants/" + a.id(), a.adminKey()).status()).isEqualTo(403);
    assertThat(gw.delete("/v1/tenants/" + a.id(), b.adminKey()).status()).isEqualTo(403);
    assertThat(gw.delete("/v1/tenants/" + a.id(), agentOfA).status()).isEqualTo(403);
    assertThat(gw.get("/v1/secrets/up", a.adminKey()).status()).as("nothing happened yet").isEqualTo(200);

    TestGateway.Reply r = gw.delete("/v1/tenants/" + a.id(), gw.operatorKey());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().path("status").asText()).isEqualTo("purged");
    JsonNode record = r.json().path("record");
    assertThat(record.path("tenant_id").asText()).isEqualTo(a.id());
    assertThat(record.path("secrets_shredded").asLong()).isEqualTo(1);
    assertThat(record.path("api_keys_revoked").asLong()).isEqualTo(2);
    assertThat(record.path("data_keyset_destroyed").asBoolean()).isTrue();
    assertThat(record.path("audit_events_purged").asLong()).isPositive();
    assertThat(r.body()).doesNotContain(CANARY_A).doesNotContain("purge-target-tenant");

    // The tenant's keys fail; the tenant is no more.
    assertThat(gw.get("/v1/secrets", a.adminKey()).status()).isEqualTo(401);
    assertThat(gw.get("/v1/me", agentOfA).status()).isEqualTo(401);
    assertThat(gw.get("/v1/tenants/" + a.id(), gw.operatorKey()).status()).isEqualTo(404);
    assertThat(gw.get("/v1/tenants?limit=200", gw.operatorKey()).body()).doesNotContain(a.id()).contains(b.id());
    assertThat(gw.post("/v1/tenants/" + a.id() + "/suspend", gw.operatorKey(), "").status()).isEqualTo(404);

    // Nothing of it is left in the database but the operator's record.
    String dump = DatabaseDump.of(gw.adminUrl());
    assertThat(dump).doesNotContain("purge-target-tenant").doesNotContain(CANARY_A);

    // The other tenant: keys, secrets, providers and its audit chain as they were.
    assertThat(gw.get("/v1/secrets/up", b.adminKey()).status()).isEqualTo(200);
    assertThat(gw.get("/v1/providers/openai", b.adminKey()).json().path("enabled").asBoolean()).isTrue();
    assertThat(gw.get("/v1/audit/checkpoints/latest", auditorOfB).json().path("tree_size").asLong()).isEqualTo(chainOfB);
    assertThat(gw.gateway().vault().broker(new dev.agentwarden.core.id.TenantId(java.util.UUID.fromString(b.id())),
        new dev.agentwarden.core.vault.SecretRef("up"), "api.example.com").headerValue()).endsWith(CANARY_B);

    // The operator reads the record in its own chain, through the usual audit endpoints.
    JsonNode events = gw.get("/v1/audit/events?type=tenant.purged", gw.operatorKey()).json().path("data");
    assertThat(events).anySatisfy(e -> {
      assertThat(e.path("body").path("tenant_id").asText()).isEqualTo(a.id());
      assertThat(e.path("seq").asLong()).isEqualTo(r.json().path("operator_audit_seq").asLong());
      assertThat(e.path("actor").asText()).startsWith("operator:");
    });
    assertThat(gw.get("/v1/audit/events", b.adminKey()).body()).doesNotContain(a.id());

    // Idempotent: the same record again, nothing purged twice; an unknown id is 404.
    TestGateway.Reply again = gw.delete("/v1/tenants/" + a.id(), gw.operatorKey());
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("operator_audit_seq").asLong()).isEqualTo(r.json().path("operator_audit_seq").asLong());
    assertThat(again.json().path("record")).isEqualTo(record);
    assertThat(gw.delete("/v1/tenants/" + java.util.UUID.randomUUID(), gw.operatorKey()).status()).isEqualTo(404);
    assertThat(gw.delete("/v1/tenants/00000000-0000-0000-0000-000000000000", gw.operatorKey()).status()).isEqualTo(404);
  }
}
