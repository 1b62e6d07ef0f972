package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.crypto.InsecureSecretAccess;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.store.TestDatabases;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The secrets and providers API over a real socket, and the canary test: planted secrets never
 * appear in clear in any response, error, log line, or a dump of the database.
 */
@Tag("database")
class VaultApiTest {
  private static final String CANARY = "sk-canary-41c3f0Zq8LmN3vXw2Yt6Rk9J";
  // These two match none of the log redaction patterns: the log must stay clean without its help.
  private static final String CANARY_ROTATED = "CanaryRotated7Hq2XvB9mL4nR8sTpW3e";
  private static final String CANARY_PROVIDER = "sk-canary-provider-Zx81NqP0Lm3Vb6Tc";
  private static final String CANARY_PROVIDER_ROTATED = "CanaryProvRot0Wq7Ye2Ru5Io9Pa1SdF6g";
  private static final List<String> CANARIES = List.of(CANARY, CANARY_ROTATED, CANARY_PROVIDER, CANARY_PROVIDER_ROTATED);

  private static final List<String> logs = new CopyOnWriteArrayList<>();
  private static final List<String> responses = new CopyOnWriteArrayList<>();
  private static final HttpClient http = HttpClient.newHttpClient();
  private static String adminUrl;
  private static Path keyDir;
  private static Gateway gateway;
  private static String base;
  private static String admin;
  private static String agent;
  private static TenantId tenant;

  @BeforeAll
  static void start() throws Exception {
    adminUrl = TestDatabases.createMigrated();
    Path dir = Files.createTempDirectory("warden-vault-api");
    GatewayConfig cfg = GatewayConfig.from(Map.of(
        "database_url", adminUrl,
        "data_dir", dir.toString(),
        "port", "0",
        // The KEK from the environment (WARDEN_KEK): the tenants' keys need a directory of their own.
        "key_dir", dir.resolve("tenant-keys").toString(),
        "kek", KeyEncryptionKey.generateLocalMaterial().reveal(InsecureSecretAccess.get())));
    keyDir = dir.resolve("tenant-keys");
    gateway = Gateway.start(cfg, RequestLog.to(logs::add, Clock.systemUTC()), Clock.systemUTC(), List.of());
    base = "http://127.0.0.1:" + gateway.port();
    String operator = gateway.newOperatorKey().orElseThrow();
    JsonNode created = json(call("POST", "/v1/tenants", operator, "{\"name\":\"acme\"}"));
    admin = created.at("/admin_key/secret").asText();
    tenant = TenantId.parse(created.at("/tenant/id").asText());
    agent = json(call("POST", "/v1/keys", admin, "{\"name\":\"bot\",\"role\":\"agent\"}")).at("/secret").asText();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
    return call(method, path, key, body, Map.of());
  }

  private static HttpResponse<String> call(String method, String path, String key, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    headers.forEach(b::header);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    responses.add(method + " " + path + " -> " + r.statusCode() + " " + r.headers().map() + " " + r.body());
    return r;
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return Json.MAPPER.readTree(r.body());
  }

  private static String secretBody(String name, String value) {
    return "{\"name\":\"" + name + "\",\"value\":\"" + value + "\",\"allowed_hosts\":[\"api.openai.com\"]}";
  }

  @Test
  void secretsLifecycle_showsOnlyMaskedValues() throws Exception {
    HttpResponse<String> created = call("POST", "/v1/secrets", admin, secretBody("lifecycle", "sk-life-000000000000000ABCD"));
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode s = json(created);
    assertThat(s.get("reference").asText()).isEqualTo("vault://lifecycle");
    assertThat(s.get("masked").asText()).isEqualTo("sk-\u2026ABCD");
    assertThat(s.has("value")).isFalse();
    assertThat(s.get("header").asText()).isEqualTo("Authorization");
    assertThat(s.get("header_prefix").asText()).isEqualTo("Bearer ");

    assertThat(call("GET", "/v1/secrets/lifecycle", admin, null).statusCode()).isEqualTo(200);
    HttpResponse<String> put = call("PUT", "/v1/secrets/lifecycle", admin,
        "{\"value\":\"sk-life-rotated-0000000000WXYZ\",\"allowed_hosts\":[\"*.openai.com\"],\"header\":\"x-api-key\"}");
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(json(put).get("version").asInt()).isEqualTo(2);
    assertThat(json(put).get("masked").asText()).isEqualTo("sk-\u2026WXYZ");
    assertThat(json(put).get("header_prefix").asText()).isEmpty();
    assertThat(call("DELETE", "/v1/secrets/lifecycle", admin, null).statusCode()).isEqualTo(204);
    assertThat(call("GET", "/v1/secrets/lifecycle", admin, null).statusCode()).isEqualTo(404);
    assertThat(call("DELETE", "/v1/secrets/lifecycle", admin, null).statusCode()).isEqualTo(404);
  }

  @Test
  void secretsAndProviders_areForAdminsOnly() throws Exception {
    assertThat(call("GET", "/v1/secrets", agent, null).statusCode()).isEqualTo(403);
    assertThat(call("POST", "/v1/secrets", agent, secretBody("x", "v-000000000000")).statusCode()).isEqualTo(403);
    assertThat(call("GET", "/v1/providers", agent, null).statusCode()).isEqualTo(403);
    assertThat(call("GET", "/v1/secrets", null, null).statusCode()).isEqualTo(401);
  }

  @Test
  void invalidInput_getsProblemDetailsWithStableCodes() throws Exception {
    HttpResponse<String> noHosts = call("POST", "/v1/secrets", admin, "{\"name\":\"x\",\"value\":\"v-0000\",\"allowed_hosts\":[]}");
    assertThat(noHosts.statusCode()).isEqualTo(400);
    assertThat(json(noHosts).get("code").asText()).isEqualTo("invalid_allowed_hosts");
    HttpResponse<String> badHeader = call("POST", "/v1/secrets", admin,
        "{\"name\":\"x\",\"value\":\"v-0000\",\"allowed_hosts\":[\"a.example\"],\"header\":\"Host\"}");
    assertThat(json(badHeader).get("code").asText()).isEqualTo("invalid_header");
    HttpResponse<String> numberValue = call("POST", "/v1/secrets", admin,
        "{\"name\":\"x\",\"value\":12345,\"allowed_hosts\":[\"a.example\"]}");
    assertThat(numberValue.statusCode()).isEqualTo(400);
    HttpResponse<String> both = call("POST", "/v1/providers", admin,
        "{\"name\":\"p\",\"kind\":\"openai\",\"base_url\":\"https://api.openai.com\",\"api_key\":\"k-0000\",\"secret_ref\":\"vault://x\"}");
    assertThat(both.statusCode()).isEqualTo(400);
    assertThat(call("GET", "/v1/secrets", admin, null).body()).doesNotContain("\"name\":\"x\"");
  }

  @Test
  void disabledProvider_failsClosedWith403() throws Exception {
    call("POST", "/v1/providers", admin,
        "{\"name\":\"switch\",\"kind\":\"openai\",\"base_url\":\"https://api.openai.com/v1\",\"api_key\":\"sk-switch-00000000000000000\"}");
    assertThat(gateway.providers().broker(tenant, "switch", "api.openai.com").headerValue()).endsWith("0000");
    HttpResponse<String> off = call("PATCH", "/v1/providers/switch", admin, "{\"enabled\":false}");
    assertThat(json(off).get("enabled").asBoolean()).isFalse();
    try {
      gateway.providers().broker(tenant, "switch", "api.openai.com");
      throw new AssertionError("a disabled provider released its key");
    } catch (RuntimeException e) {
      ApiException problem = Problems.classify(e);
      assertThat(problem.status()).isEqualTo(403);
      assertThat(problem.code()).isEqualTo("provider_disabled");
    }
  }

  /**
   * The canary test: exercises every endpoint that touches secrets, including its failure
   * paths, then searches every response, every log line and a full database dump for the
   * planted values in clear (and in hex and base64 form).
   */
  @Test
  void canarySecrets_neverAppearInResponsesLogsErrorsOrTheDatabaseDump() throws Exception {
    // Secrets: create (with Idempotency-Key, so the stored replay is in the dump too), read, rotate.
    assertThat(call("POST", "/v1/secrets", admin, secretBody("canary", CANARY), Map.of("Idempotency-Key", "canary-1"))
        .statusCode()).isEqualTo(201);
    assertThat(call("POST", "/v1/secrets", admin, secretBody("canary", CANARY), Map.of("Idempotency-Key", "canary-1"))
        .statusCode()).isEqualTo(201);
    assertThat(call("POST", "/v1/secrets", admin, secretBody("canary", CANARY)).statusCode()).isEqualTo(409);
    call("POST", "/v1/secrets", admin, "{\"name\":\"bad\",\"value\":\"" + CANARY + "\",\"allowed_hosts\":[\"*\"]}");
    call("POST", "/v1/secrets", admin, "{\"name\":\"" + CANARY + "\",\"value\":\"" + CANARY + "\",\"allowed_hosts\":[\"a.example\"]}");
    call("POST", "/v1/secrets", admin, "{\"name\":\"t\",\"value\":\"" + CANARY + "\",\"allowed_hosts\":[\"a.example\"],\"header\":\"Bad Header\"}");
    call("POST", "/v1/secrets", admin, "{\"name\":\"t\",\"value\":\"" + CANARY + "\"");
    call("POST", "/v1/secrets", admin, "{\"name\":\"t\",\"value\":\"x\",\"allowed_hosts\":[\"a.example\"],\"extra\":\"" + CANARY + "\"}");
    call("POST", "/v1/secrets", admin, "{\"name\":\"t\",\"value\":[\"" + CANARY + "\"],\"allowed_hosts\":[\"a.example\"]}");
    call("POST", "/v1/secrets", agent, secretBody("agent-try", CANARY));
    call("GET", "/v1/secrets", admin, null);
    call("GET", "/v1/secrets/canary", admin, null);
    call("PUT", "/v1/secrets/canary", admin, "{\"value\":\"" + CANARY_ROTATED + "\"}");
    call("PUT", "/v1/secrets/missing", admin, "{\"value\":\"" + CANARY_ROTATED + "\"}");
    call("PUT", "/v1/secrets/canary", admin, "{\"value\":\"" + CANARY_ROTATED + "\",\"allowed_hosts\":[\"*.com\"]}");
    call("GET", "/v1/secrets/canary", admin, null);

    // Providers, with the Mission Squad aliases.
    call("POST", "/v1/providers", admin, "{\"name\":\"openai\",\"kind\":\"openai\",\"base_url\":\"https://api.openai.com/v1\","
        + "\"api_key\":\"" + CANARY_PROVIDER + "\",\"allowed_models\":[\"gpt-4o\"]}");
    call("POST", "/v1/providers", admin, "{\"name\":\"openai\",\"kind\":\"openai\",\"base_url\":\"https://api.openai.com/v1\","
        + "\"api_key\":\"" + CANARY_PROVIDER + "\"}");
    call("POST", "/v1/providers", admin, "{\"name\":\"bad\",\"kind\":\"nope\",\"base_url\":\"https://x.example\","
        + "\"api_key\":\"" + CANARY_PROVIDER + "\"}");
    call("POST", "/v1/core/add/provider", admin, "{\"name\":\"shared\",\"kind\":\"openai_compatible\","
        + "\"base_url\":\"https://api.openai.com/v1\",\"secret_ref\":\"vault://canary\"}");
    call("POST", "/v1/core/add/provider", admin, "{\"name\":\"elsewhere\",\"kind\":\"openai_compatible\","
        + "\"base_url\":\"https://evil.example/v1\",\"secret_ref\":\"vault://canary\"}");
    call("GET", "/v1/providers", admin, null);
    call("GET", "/v1/core/providers", admin, null);
    call("GET", "/v1/providers/openai", admin, null);
    call("PATCH", "/v1/providers/openai", admin, "{\"api_key\":\"" + CANARY_PROVIDER_ROTATED + "\"}");
    call("PATCH", "/v1/providers/openai", admin, "{\"enabled\":false}");
    call("PATCH", "/v1/providers/nobody", admin, "{\"api_key\":\"" + CANARY_PROVIDER_ROTATED + "\"}");
    call("DELETE", "/v1/secrets/canary", admin, null); // in use by "shared": 409

    // Brokering, refused and allowed, as the egress step calls it.
    List<String> errors = new ArrayList<>();
    for (String host : List.of("evil.example", "api.openai.com.evil.example")) {
      try {
        gateway.vault().broker(tenant, new SecretRef("canary"), host);
      } catch (RuntimeException e) {
        errors.add(e.getMessage());
        errors.add(Problems.render(Problems.classify(e), "r").toString() + new String(Problems.render(Problems.classify(e), "r").body(), StandardCharsets.UTF_8));
      }
    }
    try {
      gateway.providers().broker(tenant, "openai", "api.openai.com");
    } catch (RuntimeException e) {
      errors.add(e.getMessage());
    }
    assertThat(errors).hasSize(5);
    assertThat(gateway.vault().broker(tenant, new SecretRef("canary"), "api.openai.com").headerValue())
        .isEqualTo("Bearer " + CANARY_ROTATED); // the vault still works: the canary is really there

    call("POST", "/v1/core/delete/provider", admin, "{\"name\":\"shared\"}");
    call("DELETE", "/v1/providers/openai", admin, null);

    // Audit bodies: every change above is in the tenant's chain, without a value.
    HttpResponse<String> events = call("GET", "/v1/audit/events?limit=500", admin, null);
    assertThat(events.statusCode()).isEqualTo(200);
    assertThat(events.body()).contains("\"secret.changed\"").contains("\"provider.changed\"")
        .contains("\"action\":\"rotated\"").contains("\"action\":\"disabled\"").contains("\"action\":\"key_rotated\"");
    assertThat(call("GET", "/v1/audit/export", admin, null).statusCode()).isEqualTo(200);

    String dump = DatabaseDump.of(adminUrl);
    assertThat(dump).contains("vault_secrets").contains("kek_checks");
    // The tenant key directory holds the tenant's key, sealed, and nothing of its secrets.
    StringBuilder keyFiles = new StringBuilder();
    try (var files = Files.list(keyDir)) {
      for (Path f : files.toList()) {
        keyFiles.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).append('\n');
      }
    }
    assertThat(keyFiles.toString()).contains("tenant-key:" + tenant);
    for (String canary : CANARIES) {
      List<String> forms = List.of(canary, HexFormat.of().formatHex(canary.getBytes(StandardCharsets.UTF_8)),
          Base64.getEncoder().encodeToString(canary.getBytes(StandardCharsets.UTF_8)), canary.substring(0, 20));
      for (String form : forms) {
        assertThat(responses).as("responses").noneMatch(r -> r.contains(form));
        assertThat(logs).as("log lines").noneMatch(l -> l.contains(form));
        assertThat(errors).as("error messages").noneMatch(m -> m.contains(form));
        assertThat(dump).as("database dump").doesNotContain(form);
        assertThat(keyFiles.toString()).as("key directory").doesNotContain(form);
      }
    }
    assertThat(logs).anyMatch(l -> l.contains("\"action\":\"rotated\"") && l.contains("\"ref\":\"vault://canary\""));
  }
}
