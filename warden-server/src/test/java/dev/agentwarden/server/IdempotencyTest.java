package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("database")
class IdempotencyTest {
  private static TestGateway gw;
  private static TestGateway.NewTenant t;

  @BeforeAll
  static void start() {
    gw = TestGateway.start();
    t = gw.createTenant("idem");
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private static TestGateway.Reply create(String key, String body) {
    return gw.send("POST", "/v1/keys", t.adminKey(), "application/json", body.getBytes(StandardCharsets.UTF_8),
        Map.of("Idempotency-Key", key));
  }

  private static int keyCount() {
    return gw.get("/v1/keys", t.adminKey()).json().path("data").size();
  }

  @Test
  void sameKeyAndBody_returnsTheFirstResponse_withoutDoingTheWorkTwice() {
    int before = keyCount();
    TestGateway.Reply first = create("idem-1", "{\"name\":\"once\",\"role\":\"agent\"}");
    TestGateway.Reply second = create("idem-1", "{\"name\":\"once\",\"role\":\"agent\"}");
    assertThat(first.status()).isEqualTo(201);
    assertThat(second.status()).isEqualTo(201);
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.header("Idempotent-Replayed")).hasValue("true");
    assertThat(keyCount()).isEqualTo(before + 1);
  }

  @Test
  void sameKeyWithAnotherBody_is422() {
    create("idem-2", "{\"name\":\"first\",\"role\":\"agent\"}");
    TestGateway.Reply other = create("idem-2", "{\"name\":\"second\",\"role\":\"agent\"}");
    assertThat(other.status()).isEqualTo(422);
    assertThat(other.code()).isEqualTo("idempotency_key_reused");
  }

  @Test
  void aRefusedRequest_isReplayedToo_andTheKeysOfOthersAreSeparate() {
    TestGateway.Reply bad = create("idem-3", "{\"name\":\"x\",\"role\":\"root\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(create("idem-3", "{\"name\":\"x\",\"role\":\"root\"}").status()).isEqualTo(400);
    TestGateway.NewTenant other = gw.createTenant("idem-other");
    TestGateway.Reply theirs = gw.send("POST", "/v1/keys", other.adminKey(), "application/json",
        "{\"name\":\"x\",\"role\":\"root\"}".getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "idem-3"));
    assertThat(theirs.header("Idempotent-Replayed")).isEmpty();
  }

  @Test
  void operatorPosts_areIdempotentToo() {
    TestGateway.Reply a = gw.send("POST", "/v1/tenants", gw.operatorKey(), "application/json",
        "{\"name\":\"idem-tenant\"}".getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "t-1"));
    TestGateway.Reply b = gw.send("POST", "/v1/tenants", gw.operatorKey(), "application/json",
        "{\"name\":\"idem-tenant\"}".getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "t-1"));
    assertThat(a.status()).isEqualTo(201);
    assertThat(b.body()).isEqualTo(a.body());
  }

  @Test
  void invalidIdempotencyKeys_are400() {
    TestGateway.Reply r = create("x".repeat(300), "{\"name\":\"n\",\"role\":\"agent\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("invalid_idempotency_key");
  }
}
