package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.SecretRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Tenant keys live in the key directory, outside the database: a purge through the API destroys
 * the tenant's key file, and a gateway that starts without a tenant's key says so for that tenant
 * and fails its requests clearly, while the other tenants keep working.
 */
@Tag("database")
class TenantKeyStartTest {
  // Built by concatenation: the repository scans itself for secrets.
  private static final String CANARY_GONE = "sk-keystart-a-" + "Rv58Nq2Lx7Mp4Tz1";
  private static final String CANARY_KEPT = "sk-keystart-b-" + "Gh31Ws9Ke6Dy0Uc8";

  private static List<String> keyFileNames(TestGateway gw) throws Exception {
    try (Stream<Path> s = Files.list(gw.dataDir().resolve("test-tenant-keys"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void secret(TestGateway gw, TestGateway.NewTenant t, String value) {
    assertThat(gw.post("/v1/secrets", t.adminKey(), "{\"name\":\"up\",\"value\":\"" + value
        + "\",\"allowed_hosts\":[\"api.example.com\"]}").status()).isEqualTo(201);
  }

  @Test
  void purgeThroughTheApi_destroysTheTenantsKeyFile_andLeavesTheOthers() throws Exception {
    try (TestGateway gw = TestGateway.start()) {
      TestGateway.NewTenant a = gw.createTenant("key-file-purged");
      TestGateway.NewTenant b = gw.createTenant("key-file-kept");
      secret(gw, a, CANARY_GONE);
      secret(gw, b, CANARY_KEPT);
      assertThat(keyFileNames(gw)).anyMatch(n -> n.startsWith(a.id())).anyMatch(n -> n.startsWith(b.id()));

      TestGateway.Reply r = gw.delete("/v1/tenants/" + a.id(), gw.operatorKey());
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.json().path("record").path("backups_shredded").asBoolean()).isTrue();
      assertThat(r.json().path("record").path("keyset_kek_id").asText()).startsWith("tenant-key:" + a.id() + ":");
      assertThat(keyFileNames(gw)).noneMatch(n -> n.startsWith(a.id())).anyMatch(n -> n.startsWith(b.id()));
      assertThat(gw.gateway().vault().broker(TenantId.parse(b.id()), new SecretRef("up"), "api.example.com")
          .headerValue()).isEqualTo("Bearer " + CANARY_KEPT);
    }
  }

  @Test
  void startWithATenantsKeyMissing_logsItForThatTenant_andFailsOnlyItsRequests_withAClearCode() throws Exception {
    TestGateway.NewTenant gone;
    TestGateway.NewTenant kept;
    TestGateway first = TestGateway.start();
    try (first) {
      gone = first.createTenant("key-missing");
      kept = first.createTenant("key-present");
      secret(first, gone, CANARY_GONE);
      secret(first, kept, CANARY_KEPT);
    }
    for (String name : keyFileNames(first)) {
      if (name.startsWith(gone.id())) {
        Files.delete(first.dataDir().resolve("test-tenant-keys").resolve(name));
      }
    }

    try (TestGateway gw = TestGateway.secondOn(first, Map.of())) {
      assertThat(gw.logLines()).filteredOn(l -> l.contains("tenant key unusable")).singleElement().asString()
          .contains(gone.id()).contains("\"state\":\"missing\"").doesNotContain(kept.id());
      assertThat(gw.logLines()).filteredOn(l -> l.contains("vault ready")).singleElement().asString()
          .contains("\"tenant_keysets\":2");

      assertThatThrownBy(() -> gw.gateway().vault().broker(TenantId.parse(gone.id()), new SecretRef("up"),
          "api.example.com")).hasFieldOrPropertyWithValue("code", "tenant_key_missing");
      TestGateway.Reply refused = gw.post("/v1/secrets", gone.adminKey(),
          "{\"name\":\"another\",\"value\":\"another-value-000000\",\"allowed_hosts\":[\"api.example.com\"]}");
      assertThat(refused.status()).isEqualTo(500);
      assertThat(refused.code()).isEqualTo("tenant_key_missing");
      assertThat(gw.get("/v1/secrets/up", gone.adminKey()).status()).as("metadata needs no key").isEqualTo(200);

      assertThat(gw.gateway().vault().broker(TenantId.parse(kept.id()), new SecretRef("up"), "api.example.com")
          .headerValue()).isEqualTo("Bearer " + CANARY_KEPT);
      assertThat(gw.post("/v1/secrets", kept.adminKey(),
          "{\"name\":\"more\",\"value\":\"more-value-0000000\",\"allowed_hosts\":[\"api.example.com\"]}").status())
          .isEqualTo(201);
      for (String line : gw.logLines()) {
        assertThat(line).doesNotContain(CANARY_GONE).doesNotContain(CANARY_KEPT);
      }
    }
  }

  @Test
  void startWithTheWrongKeyDirectory_saysSoOnce_andNamesEveryTenant() throws Exception {
    TestGateway first = TestGateway.start();
    TestGateway.NewTenant one;
    TestGateway.NewTenant two;
    try (first) {
      one = first.createTenant("wrong-dir-one");
      two = first.createTenant("wrong-dir-two");
      secret(first, one, CANARY_GONE);
      secret(first, two, CANARY_KEPT);
    }
    Path elsewhere = Files.createTempDirectory("warden-other-keys").resolve("tenant-keys");
    try (TestGateway gw = TestGateway.secondOn(first, Map.of("key_dir", elsewhere.toString()))) {
      assertThat(gw.logLines()).filteredOn(l -> l.contains("no tenant key the database names")).singleElement()
          .asString().contains(elsewhere.toString()).contains("--key-dir");
      assertThat(gw.logLines()).filteredOn(l -> l.contains("tenant key unusable")).hasSize(2)
          .anyMatch(l -> l.contains(one.id())).anyMatch(l -> l.contains(two.id()));
    }
    // The right directory again: nothing was lost or replaced.
    try (TestGateway gw = TestGateway.secondOn(first, Map.of())) {
      assertThat(gw.logLines()).noneMatch(l -> l.contains("tenant key unusable"));
      assertThat(gw.gateway().vault().broker(TenantId.parse(one.id()), new SecretRef("up"), "api.example.com")
          .headerValue()).isEqualTo("Bearer " + CANARY_GONE);
    }
  }
}
