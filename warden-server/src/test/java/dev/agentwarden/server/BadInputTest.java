package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Every JSON endpoint against malformed, mistyped, oversized, mis-encoded and unknown input. */
@Tag("database")
class BadInputTest {
  private static TestGateway gw;
  private static TestGateway.NewTenant t;
  private static String keyId;

  /** Body-taking endpoints, with the key that may call them. */
  private static List<String[]> endpoints() {
    return List.of(
        new String[] {"POST", "/v1/tenants", gw.operatorKey()},
        new String[] {"POST", "/v1/keys", t.adminKey()},
        new String[] {"POST", "/v1/keys/" + keyId + "/rotate", t.adminKey()});
  }

  @BeforeAll
  static void start() {
    gw = TestGateway.start(Map.of("max_body_bytes", "4096"));
    t = gw.createTenant("bad-input");
    keyId = gw.createKey(t.adminKey(), "victim", "agent")[0];
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  private static TestGateway.Reply send(String[] ep, String contentType, byte[] body) {
    return gw.send(ep[0], ep[1], ep[2], contentType, body, Map.of());
  }

  private static void assertProblem(TestGateway.Reply r, int status, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.header("Content-Type")).hasValue("application/problem+json");
    assertThat(r.code()).isEqualTo(code);
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("at dev.").doesNotContain("SQL");
  }

  @Test
  void malformedJson_is400_andSaysWhereItBroke() {
    for (String[] ep : endpoints()) {
      TestGateway.Reply r = send(ep, "application/json", "{\"name\": \"x\",\n  \"role\": }".getBytes(StandardCharsets.UTF_8));
      assertProblem(r, 400, "malformed_json");
      assertThat(r.json().path("detail").asText()).contains("line 2");
    }
  }

  @Test
  void unknownFields_are400() {
    for (String[] ep : endpoints()) {
      TestGateway.Reply r = send(ep, "application/json",
          "{\"name\":\"n\",\"role\":\"agent\",\"grace_seconds\":1,\"is_admin\":true}".getBytes(StandardCharsets.UTF_8));
      assertProblem(r, 400, "unknown_field");
    }
  }

  @Test
  void wrongTypes_are400() {
    Map<String, List<String>> bodies = Map.of(
        "/v1/tenants", List.of("{\"name\":42}", "{\"name\":[\"n\"]}", "{\"name\":true}", "{\"name\":{}}"),
        "/v1/keys", List.of("{\"name\":\"k\",\"role\":7}", "{\"name\":\"k\",\"role\":\"agent\",\"expires_at\":\"tomorrow\"}",
            "{\"name\":\"k\",\"role\":\"agent\",\"expires_at\":123}"),
        "rotate", List.of("{\"grace_seconds\":\"10\"}", "{\"grace_seconds\":1.5}", "{\"grace_seconds\":true}", "{\"grace_seconds\":99999999999999999999}"));
    for (String[] ep : endpoints()) {
      List<String> cases = new java.util.ArrayList<>(bodies.get(ep[1].endsWith("/rotate") ? "rotate" : ep[1]));
      cases.addAll(List.of("[]", "\"just a string\"", "null", "7"));
      for (String body : cases) {
        TestGateway.Reply r = send(ep, "application/json", body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(ep[1] + " " + body + " -> " + r.body()).isEqualTo(400);
        assertThat(r.code()).as(ep[1] + " " + body).isIn("invalid_field", "body_required");
      }
    }
  }

  @Test
  void missingFields_are400() {
    for (String[] ep : endpoints()) {
      assertProblem(send(ep, "application/json", "{}".getBytes(StandardCharsets.UTF_8)), 400, "missing_field");
      assertProblem(send(ep, "application/json", new byte[0]), 400, "body_required");
    }
  }

  @Test
  void hugeBodies_are413_beforeAnyParsing() {
    byte[] huge = new byte[64 * 1024];
    Arrays.fill(huge, (byte) 'a');
    for (String[] ep : endpoints()) {
      assertProblem(send(ep, "application/json", huge), 413, "body_too_large");
    }
  }

  @Test
  void invalidUtf8_is400() {
    byte[] body = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    for (String[] ep : endpoints()) {
      assertProblem(send(ep, "application/json", body), 400, "invalid_utf8");
    }
  }

  @Test
  void wrongMediaType_is415() {
    for (String[] ep : endpoints()) {
      assertProblem(send(ep, "text/plain", "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8)), 415, "unsupported_media_type");
      assertProblem(send(ep, "application/json; charset=latin1", "{}".getBytes(StandardCharsets.UTF_8)), 415, "unsupported_media_type");
    }
  }

  @Test
  void duplicateKeys_andTrailingGarbage_are400() {
    for (String[] ep : endpoints()) {
      assertThat(send(ep, "application/json", "{\"name\":\"a\",\"name\":\"b\",\"role\":\"agent\"}".getBytes(StandardCharsets.UTF_8)).status())
          .isEqualTo(400);
      assertThat(send(ep, "application/json", "{\"name\":\"a\",\"role\":\"agent\"} {}".getBytes(StandardCharsets.UTF_8)).status())
          .isEqualTo(400);
    }
  }

  @Test
  void badNames_andOutOfRangeValues_are400() {
    assertProblem(gw.post("/v1/tenants", gw.operatorKey(), "{\"name\":\"" + "x".repeat(201) + "\"}"), 400, "invalid_field");
    assertProblem(gw.post("/v1/tenants", gw.operatorKey(), "{\"name\":\"<script>\"}"), 400, "invalid_field");
    assertProblem(gw.post("/v1/keys/" + keyId + "/rotate", t.adminKey(), "{\"grace_seconds\":-1}"), 400, "invalid_field");
    assertProblem(gw.post("/v1/keys", t.adminKey(), "{\"name\":\"k\",\"role\":\"root\"}"), 400, "invalid_field");
    assertProblem(gw.get("/v1/tenants?limit=100000", gw.operatorKey()), 400, "invalid_parameter");
    assertProblem(gw.get("/v1/tenants?limit=abc", gw.operatorKey()), 400, "invalid_parameter");
  }

  @Test
  void unknownRoutes_are404_wrongMethods_are405_malformedIds_are404() {
    assertProblem(gw.get("/v1/nothing-here", t.adminKey()), 404, "route_not_found");
    TestGateway.Reply wrong = gw.send("PUT", "/v1/keys", t.adminKey(), null, null, Map.of());
    assertProblem(wrong, 405, "method_not_allowed");
    assertThat(wrong.header("Allow")).hasValueSatisfying(v -> assertThat(v).contains("GET").contains("POST"));
    assertProblem(gw.get("/v1/keys/not-a-uuid", t.adminKey()), 404, "not_found");
    assertProblem(gw.get("/v1/keys/" + "00000000-0000-0000-0000-000000000000", t.adminKey()), 404, "not_found");
  }

  @Test
  void aFailedRequest_leavesNothingHalfWritten() {
    int before = gw.get("/v1/keys", t.adminKey()).json().path("data").size();
    send(new String[] {"POST", "/v1/keys", t.adminKey()}, "application/json", "{\"name\":\"k\",\"role\":\"root\"}".getBytes(StandardCharsets.UTF_8));
    send(new String[] {"POST", "/v1/keys", t.adminKey()}, "application/json", "{\"name\":\"k\"".getBytes(StandardCharsets.UTF_8));
    assertThat(gw.get("/v1/keys", t.adminKey()).json().path("data").size()).isEqualTo(before);
  }
}
