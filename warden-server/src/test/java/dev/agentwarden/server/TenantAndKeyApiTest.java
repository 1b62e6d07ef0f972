package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("database")
class TenantAndKeyApiTest {
  private static TestGateway gw;

  @BeforeAll
  static void start() {
    gw = TestGateway.start();
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @Test
  void operatorCreatesTenant_andItsAdminKeyWorksOnce() {
    TestGateway.Reply r = gw.post("/v1/tenants", gw.operatorKey(), "{\"name\":\"acme-corp\"}");
    assertThat(r.status()).isEqualTo(201);
    JsonNode j = r.json();
    assertThat(j.path("tenant").path("id").asText()).matches("[0-9a-f-]{36}");
    assertThat(j.path("tenant").path("status").asText()).isEqualTo("active");
    String admin = j.path("admin_key").path("secret").asText();
    assertThat(admin).startsWith("wdn_");
    assertThat(j.path("admin_key").path("key").path("role").asText()).isEqualTo("admin");

    TestGateway.Reply keys = gw.get("/v1/keys", admin);
    assertThat(keys.status()).isEqualTo(200);
    assertThat(keys.body()).doesNotContain(TestGateway.secretPart(admin)).doesNotContain("secret_hash");
    assertThat(keys.json().path("data").get(0).path("prefix").asText()).isEqualTo(admin.substring(0, 14));
  }

  @Test
  void me_describesTheCallingKey() {
    TestGateway.NewTenant t = gw.createTenant("whoami");
    JsonNode me = gw.get("/v1/me", t.adminKey()).json();
    assertThat(me.path("tenant_id").asText()).isEqualTo(t.id());
    assertThat(me.path("role").asText()).isEqualTo("admin");
    assertThat(gw.get("/v1/me", gw.operatorKey()).json().path("tenant_id").asText()).isEqualTo("operator");
  }

  @Test
  void tenantAndKeyLifecycle_isInTheTenantsAuditChain_withoutSecrets() {
    TestGateway.NewTenant t = gw.createTenant("audited");
    String[] key = gw.createKey(t.adminKey(), "audited-key", "agent");
    String rotated = gw.post("/v1/keys/" + key[0] + "/rotate", t.adminKey(), "{\"grace_seconds\":0}").json().path("secret").asText();
    gw.delete("/v1/keys/" + key[0], t.adminKey());
    gw.post("/v1/tenants/" + t.id() + "/suspend", gw.operatorKey(), "");
    gw.post("/v1/tenants/" + t.id() + "/resume", gw.operatorKey(), "");
    TestGateway.Reply events = gw.get("/v1/audit/events?limit=100", t.adminKey());
    assertThat(events.status()).as(events.body()).isEqualTo(200);
    java.util.List<String> types = new java.util.ArrayList<>();
    events.json().path("data").forEach(e -> types.add(e.path("type").asText()));
    assertThat(types).containsExactly("tenant.created", "api_key.created", "api_key.created", "api_key.rotated",
        "api_key.revoked", "tenant.suspended", "tenant.resumed");
    assertThat(events.body()).contains("\"actor\":\"key:").contains("\"actor\":\"operator:")
        .doesNotContain(TestGateway.secretPart(key[1]))
        .doesNotContain(TestGateway.secretPart(rotated))
        .doesNotContain(TestGateway.secretPart(t.adminKey()));
  }

  @Test
  void duplicateTenantName_isAConflict() {
    gw.createTenant("dup-name");
    TestGateway.Reply again = gw.post("/v1/tenants", gw.operatorKey(), "{\"name\":\"dup-name\"}");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.code()).isEqualTo("conflict");
  }

  @Test
  void listAndGetTenants_pageWithAfterCursor() {
    for (int i = 0; i < 3; i++) {
      gw.createTenant("paged-" + i);
    }
    TestGateway.Reply first = gw.get("/v1/tenants?limit=2", gw.operatorKey());
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.json().path("data")).hasSize(2);
    String after = first.json().path("next_after").asText();
    TestGateway.Reply second = gw.get("/v1/tenants?limit=2&after=" + after, gw.operatorKey());
    assertThat(second.json().path("data").get(0).path("id").asText()).isGreaterThan(after);
    String id = first.json().path("data").get(0).path("id").asText();
    assertThat(gw.get("/v1/tenants/" + id, gw.operatorKey()).json().path("id").asText()).isEqualTo(id);
  }

  @Test
  void suspendedTenant_keysGet403_andResumeRestoresThem() {
    TestGateway.NewTenant t = gw.createTenant("suspend-me");
    assertThat(gw.get("/v1/keys", t.adminKey()).status()).isEqualTo(200);
    assertThat(gw.post("/v1/tenants/" + t.id() + "/suspend", gw.operatorKey(), "").json().path("status").asText())
        .isEqualTo("suspended");
    TestGateway.Reply refused = gw.get("/v1/keys", t.adminKey());
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.code()).isEqualTo("tenant_suspended");
    gw.post("/v1/tenants/" + t.id() + "/resume", gw.operatorKey(), "");
    assertThat(gw.get("/v1/keys", t.adminKey()).status()).isEqualTo(200);
  }

  @Test
  void eachRoleReachesOnlyItsEndpoints() {
    TestGateway.NewTenant t = gw.createTenant("roles");
    for (String role : new String[] {"approver", "auditor", "agent"}) {
      String key = gw.createKey(t.adminKey(), role + "-key", role)[1];
      TestGateway.Reply r = gw.get("/v1/keys", key);
      assertThat(r.status()).as(role).isEqualTo(403);
      assertThat(r.code()).isEqualTo("forbidden");
    }
    assertThat(gw.get("/v1/tenants", t.adminKey()).status()).isEqualTo(403);
    assertThat(gw.get("/v1/keys", gw.operatorKey()).status()).isEqualTo(403);
    TestGateway.Reply operatorRole = gw.post("/v1/keys", t.adminKey(), "{\"name\":\"x\",\"role\":\"operator\"}");
    assertThat(operatorRole.status()).isEqualTo(400);
  }

  @Test
  void revokedKey_isRefusedAtOnce() {
    TestGateway.NewTenant t = gw.createTenant("revoke");
    String[] key = gw.createKey(t.adminKey(), "to-revoke", "admin");
    assertThat(gw.get("/v1/keys", key[1]).status()).isEqualTo(200);
    assertThat(gw.delete("/v1/keys/" + key[0], t.adminKey()).status()).isEqualTo(204);
    TestGateway.Reply r = gw.get("/v1/keys", key[1]);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.header("WWW-Authenticate")).contains("Bearer");
    assertThat(gw.get("/v1/keys/" + key[0], t.adminKey()).json().path("status").asText()).isEqualTo("revoked");
  }

  @Test
  void expiredKey_isRefused() throws InterruptedException {
    TestGateway.NewTenant t = gw.createTenant("expiry");
    String expires = Instant.now().plusSeconds(1).toString();
    TestGateway.Reply created = gw.post("/v1/keys", t.adminKey(),
        "{\"name\":\"short\",\"role\":\"admin\",\"expires_at\":\"" + expires + "\"}");
    assertThat(created.status()).isEqualTo(201);
    String key = created.json().path("secret").asText();
    assertThat(gw.get("/v1/keys", key).status()).isEqualTo(200);
    Thread.sleep(1500);
    assertThat(gw.get("/v1/keys", key).status()).isEqualTo(401);
    TestGateway.Reply past = gw.post("/v1/keys", t.adminKey(), "{\"name\":\"past\",\"role\":\"admin\",\"expires_at\":\"2020-01-01T00:00:00Z\"}");
    assertThat(past.status()).isEqualTo(400);
  }

  @Test
  void rotation_keepsOldSecretOnlyForTheGracePeriod() throws InterruptedException {
    TestGateway.NewTenant t = gw.createTenant("rotate");
    String[] key = gw.createKey(t.adminKey(), "rotating", "admin");
    TestGateway.Reply rotated = gw.post("/v1/keys/" + key[0] + "/rotate", t.adminKey(), "{\"grace_seconds\":1}");
    assertThat(rotated.status()).isEqualTo(200);
    String fresh = rotated.json().path("secret").asText();
    assertThat(fresh).isNotEqualTo(key[1]).startsWith(key[1].substring(0, 14));
    assertThat(gw.get("/v1/keys", fresh).status()).isEqualTo(200);
    assertThat(gw.get("/v1/keys", key[1]).status()).isEqualTo(200);
    Thread.sleep(1500);
    assertThat(gw.get("/v1/keys", key[1]).status()).isEqualTo(401);
    assertThat(gw.get("/v1/keys", fresh).status()).isEqualTo(200);

    TestGateway.Reply noGrace = gw.post("/v1/keys/" + key[0] + "/rotate", t.adminKey(), "{\"grace_seconds\":0}");
    assertThat(gw.get("/v1/keys", fresh).status()).isEqualTo(401);
    assertThat(gw.get("/v1/keys", noGrace.json().path("secret").asText()).status()).isEqualTo(200);
  }

  @Test
  void tamperedOrForeignLookingTokens_areUnauthenticated() {
    TestGateway.NewTenant t = gw.createTenant("tamper");
    String k = t.adminKey();
    char last = k.charAt(k.length() - 1);
    String flipped = k.substring(0, k.length() - 1) + (last == 'A' ? 'B' : 'A');
    for (String bad : new String[] {flipped, "wdn_x", "sk-not-ours", "", k + "x"}) {
      TestGateway.Reply r = gw.get("/v1/keys", bad);
      assertThat(r.status()).as(bad).isEqualTo(401);
      assertThat(r.code()).isEqualTo("unauthenticated");
    }
    TestGateway.Reply basic = gw.send("GET", "/v1/keys", null, null, null, Map.of("Authorization", "Basic " + k));
    assertThat(basic.status()).isEqualTo(401);
    assertThat(gw.get("/v1/keys", null).status()).isEqualTo(401);
  }
}
