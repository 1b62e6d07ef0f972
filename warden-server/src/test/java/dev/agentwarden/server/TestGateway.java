package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.store.TestDatabases;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real gateway on a fresh database and a free port, with its log lines captured, and a small
 * HTTP client for tests. Nothing is mocked: requests go over a real socket.
 */
public final class TestGateway implements AutoCloseable {
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Gateway gateway;
  private final String operatorKey;
  private final List<String> logLines;
  private final String adminUrl;
  private final Path dataDir;

  private TestGateway(Gateway gateway, String operatorKey, List<String> logLines, String adminUrl, Path dataDir) {
    this.gateway = gateway;
    this.operatorKey = operatorKey;
    this.logLines = logLines;
    this.adminUrl = adminUrl;
    this.dataDir = dataDir;
  }

  public static TestGateway start() {
    return start(Map.of());
  }

  /** Starts a gateway on a new database with the given extra settings. */
  public static TestGateway start(Map<String, String> settings) {
    return startOn(TestDatabases.createEmpty(), newDataDir(), settings);
  }

  /** A second gateway process on the same database and pepper as {@code other}. */
  public static TestGateway secondOn(TestGateway other, Map<String, String> settings) {
    return startOn(other.adminUrl, other.dataDir, settings);
  }

  /** A gateway on the same database as {@code other} but with its own data dir (and pepper). */
  public static TestGateway onSameDatabase(TestGateway other, Map<String, String> settings) {
    return startOn(other.adminUrl, newDataDir(), settings);
  }

  /** The database's admin (superuser) URL, for dumps that look at every row. */
  public String adminUrl() {
    return adminUrl;
  }

  public Path dataDir() {
    return dataDir;
  }

  private static Path newDataDir() {
    try {
      return Files.createTempDirectory("warden-test");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TestGateway startOn(String adminUrl, Path dataDir, Map<String, String> settings) {
    Map<String, String> s = new HashMap<>();
    s.put("port", "0");
    s.put("data_dir", dataDir.toString());
    s.put("database_url", adminUrl);
    // An external database needs an explicit KEK; a second process on the same data dir shares it.
    Path kek = dataDir.resolve("test-kek");
    if (!Files.exists(kek)) {
      KekSource.writeNew(kek, dev.agentwarden.core.crypto.KeyEncryptionKey.generateLocalMaterial());
    }
    s.put("kek_file", kek.toString());
    // The tenants' keys: shared by a second process on the same data dir, like the KEK.
    s.put("key_dir", dataDir.resolve("test-tenant-keys").toString());
    s.put("key_rate_per_second", "10000");
    s.put("key_burst", "10000");
    s.put("tenant_rate_per_second", "10000");
    s.put("tenant_burst", "10000");
    s.putAll(settings);
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Gateway g = Gateway.start(GatewayConfig.from(s), RequestLog.to(lines::add, Clock.systemUTC()), Clock.systemUTC(), List.of());
    String op = g.newOperatorKey().orElse("");
    return new TestGateway(g, op, lines, adminUrl, dataDir);
  }

  /**
   * The secret part of a {@code wdn_<ids>_<secret>} key. The ids are base32 and hold no
   * underscore, but the base64url secret may, so this is everything after the first separator.
   */
  public static String secretPart(String key) {
    return key.substring(key.indexOf('_', 4) + 1);
  }

  public String operatorKey() {
    return operatorKey;
  }

  public Gateway gateway() {
    return gateway;
  }

  public List<String> logLines() {
    synchronized (logLines) {
      return List.copyOf(logLines);
    }
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  /** A response with its body parsed when it is JSON. */
  public record Reply(int status, Map<String, List<String>> headers, String body) {
    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    public Optional<String> header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream()).findFirst();
    }

    public String code() {
      return json().path("code").asText();
    }
  }

  public Reply get(String path, String key) {
    return send(HttpRequest.newBuilder(uri(path)).GET(), key);
  }

  public Reply delete(String path, String key) {
    return send(HttpRequest.newBuilder(uri(path)).DELETE(), key);
  }

  public Reply post(String path, String key, String json) {
    return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)), key);
  }

  public Reply send(String method, String path, String key, String contentType, byte[] body, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    headers.forEach(b::header);
    return send(b, key);
  }

  private static Reply send(HttpRequest.Builder b, String key) {
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    try {
      HttpResponse<String> r = CLIENT.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Creates a tenant; returns its id and first admin key. */
  /**
   * Stores the tenant's {@code default} policy allowing plain HTTP to 127.0.0.1 on any port, where
   * the tests' upstreams listen: without it egress refuses loopback, as it should.
   */
  public void allowLoopbackUpstreams(String adminKey) {
    Reply r = send("POST", "/v1/policies", adminKey, "application/yaml", """
        name: default
        network:
          allow:
            - cidr: 127.0.0.1/32
              schemes: [http]
              ports: ["*"]
        """.getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of());
    if (r.status() != 201) {
      throw new AssertionError("storing the loopback policy failed: HTTP " + r.status() + " " + r.body());
    }
  }

  public record NewTenant(String id, String adminKey) {}

  public NewTenant createTenant(String name) {
    Reply r = post("/v1/tenants", operatorKey, "{\"name\":\"" + name + "\"}");
    if (r.status() != 201) {
      throw new AssertionError("tenant creation failed: " + r);
    }
    JsonNode j = r.json();
    return new NewTenant(j.path("tenant").path("id").asText(), j.path("admin_key").path("secret").asText());
  }

  /** Creates a key with a role in the admin's tenant; returns {id, secret}. */
  public String[] createKey(String adminKey, String name, String role) {
    Reply r = post("/v1/keys", adminKey, "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}");
    if (r.status() != 201) {
      throw new AssertionError("key creation failed: " + r);
    }
    return new String[] {r.json().path("key").path("id").asText(), r.json().path("secret").asText()};
  }

  @Override
  public void close() {
    gateway.close();
  }
}
