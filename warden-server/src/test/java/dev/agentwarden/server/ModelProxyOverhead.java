package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.auth.ApiKeyToken;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.model.GuardedOutput;
import dev.agentwarden.core.model.OutputGuards;
import dev.agentwarden.core.scan.ContentScanner;
import dev.agentwarden.core.scan.ContentSource;
import dev.agentwarden.core.scan.ScanKind;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.ModelBudgets;
import dev.agentwarden.store.ModelCallState;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Added latency of the model proxy, side by side with Portkey's open gateway in one run: the
 * same local OpenAI-compatible upstream is called directly, through AgentWarden (every guard
 * on: agent lookup, budgets, prompt pin, injection scan, secret redaction in and out, brokered
 * key, usage and audit record) and through Portkey ({@code @portkey-ai/gateway}, started with
 * node from {@code PORTKEY_DIR}). Requests are interleaved round robin so all three see the
 * same machine noise. Not a test: run it with {@code java ... ModelProxyOverhead <portkeyDir>}
 * (see BENCHMARKS.md).
 */
public final class ModelProxyOverhead {
  private ModelProxyOverhead() {}

  public static void main(String[] args) throws Exception {
    Path portkeyDir = Path.of(args.length > 0 ? args[0] : "/tmp/warden-portkey");
    int warmup = Integer.getInteger("warmup", 1500);
    int samples = Integer.getInteger("samples", 4000);
    int seconds = Integer.getInteger("seconds", 10);
    int concurrency = Integer.getInteger("concurrency", 8);

    try (OpenAiTestUpstream upstream = new OpenAiTestUpstream()) {
      TestGateway gw = TestGateway.start(Map.of("key_rate_per_second", "1000000", "key_burst", "1000000",
          "tenant_rate_per_second", "1000000", "tenant_burst", "1000000"));
      TestGateway.NewTenant t = gw.createTenant("bench");
      gw.allowLoopbackUpstreams(t.adminKey());
      gw.post("/v1/providers", t.adminKey(), "{\"name\":\"up\",\"kind\":\"openai\",\"base_url\":\"" + upstream.baseUrl()
          + "\",\"api_key\":\"sk-bench-provider-key-0123456789\",\"allowed_models\":[\"test-model\"]}");
      TestGateway.Reply agent = gw.post("/v1/agents", t.adminKey(), "{\"name\":\"bench\",\"provider\":\"up\","
          + "\"model\":\"test-model\",\"system_prompt\":\"You are the billing helper. Answer briefly.\","
          + "\"budgets\":{\"requests_per_minute\":100000000,\"tokens_per_day\":100000000000,\"spend_per_month_usd\":1000000},"
          + "\"issue_key\":true}");
      String agentKey = agent.json().path("key").path("secret").asText();
      gw.send("PUT", "/v1/budgets/tenant", t.adminKey(), "application/json",
          "{\"requests_per_minute\":100000000,\"tokens_per_day\":100000000000}".getBytes(), Map.of());

      int portkeyPort;
      try (ServerSocket s = new ServerSocket(0)) {
        portkeyPort = s.getLocalPort();
      }
      Process portkey = new ProcessBuilder("node", portkeyDir.resolve("node_modules/@portkey-ai/gateway/build/start-server.js").toString(),
          "--port=" + portkeyPort, "--headless").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try {
        String body = "{\"model\":\"test-model\",\"messages\":[{\"role\":\"system\",\"content\":\"You are the billing helper. Answer briefly.\"},"
            + "{\"role\":\"user\",\"content\":\"What is the status of invoice 4711? Please answer in one sentence.\"}]}";
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest direct = post(URI.create(upstream.baseUrl() + "/chat/completions"), body)
            .header("Authorization", "Bearer sk-bench-provider-key-0123456789").build();
        HttpRequest warden = post(gw.uri("/v1/chat/completions"), body).header("Authorization", "Bearer " + agentKey).build();
        HttpRequest viaPortkey = post(URI.create("http://127.0.0.1:" + portkeyPort + "/v1/chat/completions"), body)
            .header("Authorization", "Bearer sk-bench-provider-key-0123456789")
            .header("x-portkey-provider", "openai").header("x-portkey-custom-host", upstream.baseUrl()).build();
        waitFor(client, viaPortkey);
        for (HttpRequest r : List.of(direct, warden, viaPortkey)) {
          HttpResponse<String> res = client.send(r, HttpResponse.BodyHandlers.ofString());
          if (res.statusCode() != 200 || !res.body().contains("How can I help")) {
            throw new IllegalStateException(r.uri() + " answered " + res.statusCode() + ": " + res.body());
          }
        }
        HttpRequest[] targets = {direct, warden, viaPortkey};
        String[] names = {"direct (upstream)", "AgentWarden", "Portkey gateway"};
        for (int i = 0; i < warmup; i++) {
          for (HttpRequest r : targets) {
            client.send(r, HttpResponse.BodyHandlers.ofString());
          }
        }
        long[][] nanos = new long[3][samples];
        for (int i = 0; i < samples; i++) {
          for (int k = 0; k < 3; k++) {
            long t0 = System.nanoTime();
            HttpResponse<String> res = client.send(targets[k], HttpResponse.BodyHandlers.ofString());
            nanos[k][i] = System.nanoTime() - t0;
            if (res.statusCode() != 200) {
              throw new IllegalStateException(names[k] + " answered " + res.statusCode());
            }
          }
        }
        double[] rps = new double[3];
        for (int k = 0; k < 3; k++) {
          rps[k] = throughput(client, targets[k], concurrency, seconds);
        }
        System.out.printf("samples %d (after %d warm-up) per target, interleaved; throughput %d s at concurrency %d%n",
            samples, warmup, seconds, concurrency);
        System.out.println("| path | p50 ms | p99 ms | added p50 ms | added p99 ms | req/s |");
        System.out.println("|---|---|---|---|---|---|");
        double d50 = pct(nanos[0], 50);
        double d99 = pct(nanos[0], 99);
        for (int k = 0; k < 3; k++) {
          double p50 = pct(nanos[k], 50);
          double p99 = pct(nanos[k], 99);
          System.out.printf("| %s | %.3f | %.3f | %s | %s | %.0f |%n", names[k], p50, p99,
              k == 0 ? "–" : String.format("%.3f", p50 - d50), k == 0 ? "–" : String.format("%.3f", p99 - d99), rps[k]);
        }
        phases(gw, t, agentKey, body, samples, client);
      } finally {
        portkey.destroy();
        gw.close();
      }
    }
  }

  /**
   * Where a call's time goes: each database transaction of a call and the in-memory guards, run
   * alone and sequentially in the gateway's own process, as the call runs them.
   */
  private static void phases(TestGateway gw, TestGateway.NewTenant t, String agentKey, String body, int samples,
      HttpClient client) throws Exception {
    Database db = gw.gateway().database();
    TenantId tenant = TenantId.parse(t.id());
    ApiKeyToken token = ApiKeyToken.parse(agentKey).orElseThrow();
    ModelCallState state = db.inTenant(tenant, tx -> ModelCallState.read(tx, token.keyId(), "default", java.time.Instant.EPOCH)).orElseThrow();
    List<ModelBudgets.Budget> budgets = List.of(state.tenantBudget(), ModelBudgets.Budget.unlimited(
        ModelBudgets.agent(state.agentId())));
    List<String> scopes = List.of(ModelBudgets.TENANT, ModelBudgets.agent(state.agentId()));
    ContentScanner scanner = ContentScanner.standard();
    JsonNode messages = Json.MAPPER.readTree(body).path("messages");
    String user = messages.get(1).path("content").asText();
    String answer = "Hello! How can I help?";
    ObjectNode record = Json.MAPPER.createObjectNode().put("outcome", "ok").put("model", "test-model")
        .put("prompt_sha256", "0".repeat(64)).put("response_sha256", "0".repeat(64)).put("prompt_tokens", 12);
    Map<String, Callable<Object>> phases = new LinkedHashMap<>();
    HttpRequest me = HttpRequest.newBuilder(gw.uri("/v1/me")).header("Authorization", "Bearer " + agentKey)
        .timeout(Duration.ofSeconds(30)).build();
    phases.put("HTTP round trip to the gateway: GET /v1/me (key from cache, no database)",
        () -> client.send(me, HttpResponse.BodyHandlers.ofString()));
    dev.agentwarden.store.Provider provider = gw.gateway().providers().requireEnabled(tenant, "up");
    CredentialBroker broker = gw.gateway().credentials();
    phases.put("one-statement tenant transaction (tenant context sent with the statement, commit)",
        () -> db.inTenant(tenant, tx -> tx.queryOne("select 1", rs -> rs.getInt(1))));
    phases.put("admission (versions, budgets counted, provider key sealed)", () -> db.inTenant(tenant, tx -> {
      ModelCallState.read(tx, token.keyId(), "default", java.time.Instant.EPOCH);
      ModelBudgets.admit(tx, budgets, Instant.now());
      return broker.provider(tx, provider);
    }));
    dev.agentwarden.store.SealedSecret sealed = db.inTenant(tenant, tx -> gw.gateway().vault().seal(tx, provider.secret()));
    phases.put("key release in egress (host check, decrypt; no database)", () -> sealed.release("127.0.0.1"));
    phases.put("model.called audit append with its usage (group commit, durable)",
        () -> gw.gateway().audit().append(tenant, "agent:" + state.agentId(), AuditEventType.MODEL_CALLED, record,
            List.of(ModelBudgets.recording(tenant, scopes, Instant.now(), 18, 10))));
    phases.put("guards in memory (injection scan, redaction in, output guard)", () -> {
      scanner.scan(user, EnumSet.of(ScanKind.INJECTION), ContentSource.USER);
      scanner.redactSecrets(user);
      return GuardedOutput.of(List.of(OutputGuards.secretRedaction(scanner))).whole(answer);
    });
    System.out.println();
    System.out.println("| phase (alone, sequential) | p50 ms | p99 ms |");
    System.out.println("|---|---|---|");
    for (Map.Entry<String, Callable<Object>> e : phases.entrySet()) {
      for (int i = 0; i < samples / 3; i++) {
        e.getValue().call();
      }
      long[] nanos = new long[samples];
      for (int i = 0; i < samples; i++) {
        long t0 = System.nanoTime();
        e.getValue().call();
        nanos[i] = System.nanoTime() - t0;
      }
      System.out.printf("| %s | %.3f | %.3f |%n", e.getKey(), pct(nanos, 50), pct(nanos, 99));
    }
  }

  private static HttpRequest.Builder post(URI uri, String body) {
    return HttpRequest.newBuilder(uri).header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private static void waitFor(HttpClient client, HttpRequest r) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      try {
        client.send(r, HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("Portkey did not start");
  }

  private static double throughput(HttpClient client, HttpRequest r, int concurrency, int seconds) throws InterruptedException {
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      threads.add(Thread.ofPlatform().start(() -> {
        while (System.nanoTime() < end) {
          try {
            if (client.send(r, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
              done.incrementAndGet();
            }
          } catch (IOException | InterruptedException e) {
            return;
          }
        }
      }));
    }
    for (Thread th : threads) {
      th.join();
    }
    return done.get() / (double) seconds;
  }

  private static double pct(long[] values, int p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, idx)] / 1e6;
  }
}
