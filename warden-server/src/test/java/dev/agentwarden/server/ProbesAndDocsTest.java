package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("database")
class ProbesAndDocsTest {
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
  void healthAndReadiness_needNoKey() {
    assertThat(gw.get("/healthz", null).status()).isEqualTo(200);
    TestGateway.Reply ready = gw.get("/readyz", null);
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().path("checks").path("migrations").asText()).isEqualTo("current");
  }

  @Test
  void metrics_countRequestsByRouteTemplateAndStatus_andShowThePool() {
    gw.get("/v1/keys/00000000-0000-0000-0000-000000000001", null);
    String text = gw.get("/metrics", null).body();
    assertThat(text).contains("warden_http_requests_total{method=\"GET\",route=\"/v1/keys/{id}\",status=\"401\"}");
    assertThat(text).contains("warden_http_request_duration_seconds_bucket{route=\"/v1/keys/{id}\",le=\"+Inf\"}");
    assertThat(text).contains("warden_db_pool_connections{state=\"max\"} 16");
    assertThat(text).doesNotContain("00000000-0000-0000-0000-000000000001");
  }

  @Test
  void openApi_describesExactlyTheRoutesTheServerHas() {
    JsonNode doc = gw.get("/openapi.json", null).json();
    assertThat(doc.path("openapi").asText()).isEqualTo("3.1.0");
    Set<String> documented = new TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
      Map.Entry<String, JsonNode> p = paths.next();
      for (Iterator<String> methods = p.getValue().fieldNames(); methods.hasNext(); ) {
        documented.add(methods.next().toUpperCase(Locale.ROOT) + " " + p.getKey());
      }
    }
    Set<String> served = new TreeSet<>();
    gw.gateway().routes().forEach(r -> served.add(r.method() + " " + r.template()));
    assertThat(documented).isEqualTo(served);
  }

  @Test
  void everyResponse_carriesARequestId_andEchoesASafeOne() {
    TestGateway.Reply r = gw.send("GET", "/healthz", null, null, null, Map.of("X-Request-Id", "trace-123"));
    assertThat(r.header("X-Request-Id")).hasValue("trace-123");
    TestGateway.Reply unsafe = gw.send("GET", "/healthz", null, null, null, Map.of("X-Request-Id", "a b\"c"));
    assertThat(unsafe.header("X-Request-Id")).hasValueSatisfying(v -> assertThat(v).doesNotContain("\""));
  }

  @Test
  void oneStructuredLogLine_perRequest() throws InterruptedException {
    gw.send("GET", "/healthz", null, null, null, Map.of("X-Request-Id", "log-line-probe"));
    // The line is written once the response has gone out, so it may trail the reply slightly.
    for (int i = 0; i < 100 && gw.logLines().stream().noneMatch(l -> l.contains("log-line-probe")); i++) {
      Thread.sleep(20);
    }
    JsonNode line = gw.logLines().stream().filter(l -> l.contains("log-line-probe")).map(l -> {
      try {
        return Json.MAPPER.readTree(l);
      } catch (Exception e) {
        throw new AssertionError(l, e);
      }
    }).findFirst().orElseThrow();
    assertThat(line.path("msg").asText()).isEqualTo("request");
    assertThat(line.path("route").asText()).isEqualTo("/healthz");
    assertThat(line.path("status").asInt()).isEqualTo(200);
    assertThat(line.has("duration_ms")).isTrue();
  }
}
