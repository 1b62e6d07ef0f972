package dev.agentwarden.egress;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.policy.network.Destination;
import dev.agentwarden.core.policy.network.IpAddress;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.core.policy.network.NetworkPolicy.RuleSpec;
import dev.agentwarden.core.policy.network.Resolver;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EgressClientTest {
  private static IpAddress ip(String s) {
    return IpAddress.parse(s).orElseThrow();
  }

  /** Loopback is reachable only because this CIDR rule names it; names alone never reach it. */
  private static final NetworkPolicy LOCAL =
      NetworkPolicy.builder().allow(RuleSpec.forCidr("127.0.0.1/32").schemes("http", "https").anyPort().id("test_loopback")).build();

  private static final Resolver TABLE =
      Resolver.fixed(
          Map.of(
              "svc.test", List.of(ip("127.0.0.1")),
              "other.test", List.of(ip("127.0.0.1")),
              "metadata.test", List.of(ip("169.254.169.254")),
              "split.test", List.of(ip("127.0.0.1"), ip("10.0.0.1"))));

  private static EgressClient.Builder client() {
    return EgressClient.builder(LOCAL).resolver(TABLE).readTimeout(Duration.ofSeconds(10)).totalTimeout(Duration.ofSeconds(20));
  }

  @Test
  void get_connectsToTheCheckedAddress_andSendsTheHostHeaderOfTheName() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "hello"))) {
      EgressResponse r = client().build().send(EgressRequest.get("http://svc.test:" + s.port() + "/a/../b?q=1#frag"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(new String(r.body(), UTF_8)).isEqualTo("hello");
      assertThat(r.destination().address()).isEqualTo(ip("127.0.0.1"));
      TestServer.Request seen = s.requests.get(0);
      assertThat(seen.target()).isEqualTo("/b?q=1");
      assertThat(seen.header("Host")).isEqualTo("svc.test:" + s.port());
      assertThat(seen.header("Connection")).isEqualTo("close");
    }
  }

  @Test
  void chunkedBody_isDecoded() throws Exception {
    TestServer.Handler chunked =
        (r, out) -> TestServer.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    try (TestServer s = new TestServer(chunked)) {
      EgressResponse r = client().build().send(EgressRequest.get("http://svc.test:" + s.port() + "/"));
      assertThat(new String(r.body(), UTF_8)).isEqualTo("hello world");
    }
  }

  @Test
  void postBody_isSentWithContentLength() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(201, ""))) {
      byte[] body = "{\"a\":1}".getBytes(UTF_8);
      EgressResponse r =
          client().build().send(new EgressRequest("post", "http://svc.test:" + s.port() + "/x", List.of(Map.entry("Content-Type", "application/json")), body));
      assertThat(r.status()).isEqualTo(201);
      assertThat(s.requests.get(0).body()).isEqualTo(body);
      assertThat(s.requests.get(0).header("content-length")).isEqualTo("7");
    }
  }

  @Test
  void ssrfForms_areDeniedBeforeAnyConnection() throws Exception {
    NetworkPolicy anyPublic = NetworkPolicy.builder().allow(RuleSpec.forHost("*").schemes("http", "https").anyPort()).build();
    try (TestServer s = new TestServer(TestServer.text(200, "secret"))) {
      int p = s.port();
      EgressClient c = EgressClient.builder(anyPublic).resolver(TABLE).build();
      List<String> urls =
          List.of(
              "http://127.0.0.1:" + p + "/",
              "http://2130706433:" + p + "/",
              "http://0x7f000001:" + p + "/",
              "http://0177.0.0.1:" + p + "/",
              "http://0x7f.1:" + p + "/",
              "http://127.1:" + p + "/",
              "http://127.0.0.1.:" + p + "/",
              "http://%31%32%37%2e%30%2e%30%2e%31:" + p + "/",
              "http://127。0。0。1:" + p + "/",
              "http://[::1]:" + p + "/",
              "http://[::ffff:127.0.0.1]:" + p + "/",
              "http://[::ffff:7f00:1]:" + p + "/",
              "http://[::127.0.0.1]:" + p + "/",
              "http://[0:0:0:0:0:ffff:127.0.0.1]:" + p + "/",
              "http://[fe80::1%25lo]:" + p + "/",
              "http://8.8.8.8@127.0.0.1:" + p + "/",
              "http://8.8.8.8:80\\@127.0.0.1:" + p + "/",
              "http:\\\\127.0.0.1:" + p + "/",
              "http://localhost:" + p + "/",
              "http://svc.test:" + p + "/",
              "http://split.test:" + p + "/",
              "http://metadata.test/",
              "http://0xa9fea9fe/",
              "http://0:" + p + "/",
              "gopher://127.0.0.1:" + p + "/_INFO");
      for (String url : urls) {
        assertThatThrownBy(() -> c.send(EgressRequest.get(url)))
            .as(url)
            .isInstanceOf(EgressException.DestinationDenied.class)
            .satisfies(e -> assertThat(((EgressException) e).code()).isEqualTo("egress_denied"));
      }
      assertThat(s.connections).hasValue(0);
    }
  }

  @Test
  void nameWithOnePrivateAddress_isDeniedEvenIfTheOtherIsAllowed() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "x"))) {
      assertThatThrownBy(() -> client().build().send(EgressRequest.get("http://split.test:" + s.port() + "/")))
          .isInstanceOf(EgressException.DestinationDenied.class)
          .hasMessageContaining("10.0.0.1");
      assertThat(s.connections).hasValue(0);
    }
  }

  @Test
  void rebinding_theNameIsResolvedOnce_andALaterPrivateAnswerIsRefused() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    // First answer: the (CIDR-allowed) test server. Every later answer: the metadata address.
    Resolver rebinding = name -> lookups.incrementAndGet() == 1 ? List.of(ip("127.0.0.1")) : List.of(ip("169.254.169.254"));
    try (TestServer s = new TestServer(TestServer.text(200, "ok"))) {
      EgressClient c = client().resolver(rebinding).build();
      EgressResponse r = c.send(EgressRequest.get("http://rebind.test:" + s.port() + "/"));
      assertThat(r.destination().address()).isEqualTo(ip("127.0.0.1"));
      assertThat(lookups).hasValue(1);
      assertThatThrownBy(() -> c.send(EgressRequest.get("http://rebind.test:" + s.port() + "/")))
          .isInstanceOf(EgressException.DestinationDenied.class)
          .hasMessageContaining("cloud metadata");
      assertThat(s.connections).hasValue(1);
    }
  }

  @Test
  void rebinding_acrossARedirectToTheSameName_isRefused() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    Resolver rebinding = name -> lookups.incrementAndGet() == 1 ? List.of(ip("127.0.0.1")) : List.of(ip("10.0.0.7"));
    try (TestServer s = new TestServer((r, out) -> TestServer.text(302, "", "Location: /again").respond(r, out))) {
      EgressClient c = client().resolver(rebinding).followRedirects(3).build();
      assertThatThrownBy(() -> c.send(EgressRequest.get("http://rebind.test:" + s.port() + "/")))
          .isInstanceOf(EgressException.DestinationDenied.class)
          .hasMessageContaining("redirect 1");
      assertThat(lookups).hasValue(2);
      assertThat(s.connections).hasValue(1);
    }
  }

  @Test
  void redirects_areOffByDefault() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(302, "", "Location: http://169.254.169.254/latest/meta-data/"))) {
      EgressResponse r = client().build().send(EgressRequest.get("http://svc.test:" + s.port() + "/"));
      assertThat(r.status()).isEqualTo(302);
      assertThat(r.redirects()).isZero();
    }
  }

  @Test
  void redirectToInternalAddresses_isRefusedInEveryForm() throws Exception {
    for (String location :
        List.of(
            "http://169.254.169.254/latest/meta-data/",
            "http://0xa9fea9fe/",
            "http://[::ffff:10.0.0.1]/",
            "http://10.0.0.1./",
            "http://metadata.test/",
            "http://localhost/",
            "file:///etc/passwd",
            "http://x@127.0.0.2/",
            "//127.0.0.2/")) {
      try (TestServer s = new TestServer(TestServer.text(302, "", "Location: " + location))) {
        EgressClient c = client().followRedirects(5).build();
        assertThatThrownBy(() -> c.send(EgressRequest.get("http://svc.test:" + s.port() + "/")))
            .as(location)
            .isInstanceOf(EgressException.DestinationDenied.class)
            .hasMessageContaining("redirect 1");
      }
    }
  }

  @Test
  void redirects_areFollowedUpToTheLimit_eachHopReChecked() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    Resolver counting = name -> {
      lookups.incrementAndGet();
      return List.of(ip("127.0.0.1"));
    };
    TestServer.Handler chain =
        (r, out) -> {
          int n = Integer.parseInt(r.target().substring(3));
          TestServer.text(307, "", "Location: /r/" + (n + 1)).respond(r, out);
        };
    try (TestServer s = new TestServer(chain)) {
      EgressClient c = client().resolver(counting).followRedirects(5).build();
      assertThatThrownBy(() -> c.send(EgressRequest.get("http://svc.test:" + s.port() + "/r/0")))
          .isInstanceOf(EgressException.TooManyRedirects.class)
          .satisfies(e -> assertThat(((EgressException) e).code()).isEqualTo("egress_too_many_redirects"));
      assertThat(s.requests).hasSize(6);
      assertThat(lookups).hasValue(6);
    }
    assertThatThrownBy(() -> client().followRedirects(6)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void redirect303_becomesGetWithoutBody_and307KeepsMethodAndBody() throws Exception {
    TestServer.Handler h =
        (r, out) -> {
          switch (r.target()) {
            case "/see" -> TestServer.text(303, "", "Location: /done").respond(r, out);
            case "/temp" -> TestServer.text(307, "", "Location: /done").respond(r, out);
            default -> TestServer.text(200, r.method() + ":" + new String(r.body(), UTF_8)).respond(r, out);
          }
        };
    try (TestServer s = new TestServer(h)) {
      EgressClient c = client().followRedirects(2).build();
      String base = "http://svc.test:" + s.port();
      byte[] body = "payload".getBytes(UTF_8);
      assertThat(new String(c.send(new EgressRequest("POST", base + "/see", List.of(), body)).body(), UTF_8)).isEqualTo("GET:");
      assertThat(new String(c.send(new EgressRequest("POST", base + "/temp", List.of(), body)).body(), UTF_8)).isEqualTo("POST:payload");
    }
  }

  @Test
  void credentials_areInjectedOnlyForCheckedDestinations_andOriginBoundHeadersDropOnCrossOriginRedirect() throws Exception {
    List<Destination> asked = new CopyOnWriteArrayList<>();
    CredentialInjector broker =
        d -> {
          asked.add(d);
          return d.url().host().equals("svc.test") ? Map.of("Authorization", "Bearer brokered") : Map.of();
        };
    TestServer.Handler h =
        (r, out) -> {
          if (r.target().equals("/start")) {
            TestServer.text(302, "", "Location: http://other.test:" + r.header("Host").split(":")[1] + "/next").respond(r, out);
          } else {
            TestServer.text(200, "auth=" + r.header("Authorization") + " cookie=" + r.header("Cookie")).respond(r, out);
          }
        };
    try (TestServer s = new TestServer(h)) {
      EgressClient c = client().credentials(broker).followRedirects(1).build();
      EgressRequest req = EgressRequest.get("http://svc.test:" + s.port() + "/start").withHeader("Cookie", "session=1").withHeader("Authorization", "Bearer caller");
      EgressResponse r = c.send(req);
      assertThat(s.requests.get(0).header("Authorization")).isEqualTo("Bearer brokered");
      assertThat(new String(r.body(), UTF_8)).isEqualTo("auth=null cookie=null");
      assertThat(asked).extracting(d -> d.url().host()).containsExactly("svc.test", "other.test");

      asked.clear();
      assertThatThrownBy(() -> c.send(EgressRequest.get("http://metadata.test/"))).isInstanceOf(EgressException.DestinationDenied.class);
      assertThat(asked).isEmpty();
    }
  }

  @Test
  void oversizedResponses_areCutAtTheCap_whateverTheFraming() throws Exception {
    byte[] chunk = new byte[16 * 1024];
    TestServer.Handler endless =
        (r, out) -> {
          switch (r.target()) {
            case "/declared" -> TestServer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n");
            case "/chunked" -> TestServer.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            default -> TestServer.write(out, "HTTP/1.1 200 OK\r\n\r\n");
          }
          boolean chunked = r.target().equals("/chunked");
          for (int i = 0; i < 6400; i++) { // 100 MB if nobody stops reading
            if (chunked) {
              TestServer.write(out, Integer.toHexString(chunk.length) + "\r\n");
            }
            out.write(chunk);
            if (chunked) {
              TestServer.write(out, "\r\n");
            }
          }
        };
    try (TestServer s = new TestServer(endless)) {
      EgressClient c = client().maxResponseBytes(64 * 1024).build();
      for (String path : List.of("/declared", "/chunked", "/until-close")) {
        assertThatThrownBy(() -> c.send(EgressRequest.get("http://svc.test:" + s.port() + path)))
            .as(path)
            .isInstanceOf(EgressException.ResponseTooLarge.class)
            .satisfies(e -> assertThat(((EgressException) e).code()).isEqualTo("egress_response_too_large"));
      }
    }
  }

  @Test
  void endlessResponseHead_isCut() throws Exception {
    TestServer.Handler h =
        (r, out) -> {
          TestServer.write(out, "HTTP/1.1 200 OK\r\n");
          for (int i = 0; i < 100_000; i++) {
            TestServer.write(out, "X-Filler-" + i + ": aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
          }
        };
    try (TestServer s = new TestServer(h)) {
      assertThatThrownBy(() -> client().build().send(EgressRequest.get("http://svc.test:" + s.port() + "/")))
          .isInstanceOf(EgressException.ResponseTooLarge.class);
    }
  }

  @Test
  void slowDrippingResponse_isCutAtTheTotalTimeout() throws Exception {
    TestServer.Handler drip =
        (r, out) -> {
          TestServer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
          for (int i = 0; i < 100_000; i++) {
            out.write('a');
            out.flush();
            Thread.sleep(20);
          }
        };
    try (TestServer s = new TestServer(drip)) {
      EgressClient c = client().readTimeout(Duration.ofSeconds(5)).totalTimeout(Duration.ofMillis(500)).build();
      assertThatThrownBy(() -> c.send(EgressRequest.get("http://svc.test:" + s.port() + "/")))
          .isInstanceOf(EgressException.Timeout.class)
          .satisfies(e -> assertThat(((EgressException.Timeout) e).phase()).isEqualTo("total"));
    }
  }

  @Test
  void silentServer_isCutAtTheReadTimeout() throws Exception {
    TestServer.Handler silent = (r, out) -> Thread.sleep(30_000);
    try (TestServer s = new TestServer(silent)) {
      EgressClient c = client().readTimeout(Duration.ofMillis(200)).totalTimeout(Duration.ofSeconds(20)).build();
      assertThatThrownBy(() -> c.send(EgressRequest.get("http://svc.test:" + s.port() + "/")))
          .isInstanceOf(EgressException.Timeout.class)
          .satisfies(e -> assertThat(((EgressException.Timeout) e).phase()).isEqualTo("read"));
    }
  }

  @Test
  void refusedConnection_isAConnectFailure() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0)) {
      port = ss.getLocalPort();
    }
    assertThatThrownBy(() -> client().build().send(EgressRequest.get("http://svc.test:" + port + "/")))
        .isInstanceOf(EgressException.ConnectFailure.class)
        .satisfies(e -> assertThat(((EgressException) e).code()).isEqualTo("egress_connect_failed"));
  }

  @Test
  void malformedUpstreamResponses_areBadResponses() throws Exception {
    for (String raw :
        List.of(
            "SSH-2.0-OpenSSH\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")) {
      try (TestServer s = new TestServer((r, out) -> TestServer.write(out, raw))) {
        assertThatThrownBy(() -> client().build().send(EgressRequest.get("http://svc.test:" + s.port() + "/")))
            .as(raw)
            .isInstanceOf(EgressException.BadResponse.class);
      }
    }
  }

  @Test
  void headerInjectionAndOwnedHeaders_areRefused() {
    assertThatThrownBy(() -> EgressRequest.get("http://svc.test/").withHeader("X-A", "v\r\nHost: evil"))
        .isInstanceOf(EgressException.InvalidRequest.class);
    assertThatThrownBy(() -> EgressRequest.get("http://svc.test/").withHeader("Host", "evil.example"))
        .isInstanceOf(EgressException.InvalidRequest.class);
    assertThatThrownBy(() -> EgressRequest.get("http://svc.test/").withHeader("Transfer-Encoding", "chunked"))
        .isInstanceOf(EgressException.InvalidRequest.class);
    assertThatThrownBy(() -> EgressRequest.get("http://svc.test/").withHeader("Bad Name", "v"))
        .isInstanceOf(EgressException.InvalidRequest.class);
    assertThatThrownBy(() -> new EgressRequest("GET /x HTTP/1.1\r\n", "http://svc.test/", List.of(), new byte[0]))
        .isInstanceOf(EgressException.InvalidRequest.class);
    List<Map.Entry<String, String>> none = new ArrayList<>();
    assertThat(new EgressRequest("get", "http://svc.test/", none, new byte[0]).method()).isEqualTo("GET");
  }

  @Test
  void listener_seesEveryHopDecision() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (TestServer s = new TestServer(TestServer.text(302, "", "Location: http://169.254.169.254/"))) {
      EgressClient c =
          client().followRedirects(1).listener((hop, method, url, d) -> seen.add(hop + ":" + d.decision().verdict() + ":" + d.decision().ruleId())).build();
      assertThatThrownBy(() -> c.send(EgressRequest.get("http://svc.test:" + s.port() + "/"))).isInstanceOf(EgressException.DestinationDenied.class);
    }
    assertThat(seen).containsExactly("0:ALLOW:test_loopback", "1:DENY:network.special_address");
  }

  // ---- kept connections --------------------------------------------------------------------

  @Test
  void keptConnections_areReusedOnlyWithinTheirPartition_andOnlyWhenAsked() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "ok"))) {
      s.requestsPerConnection = 100;
      String url = "http://svc.test:" + s.port() + "/";
      EgressClient tenantA = client().reuseConnections("tenant-a").build();
      for (int i = 0; i < 3; i++) {
        assertThat(tenantA.send(EgressRequest.get(url)).status()).isEqualTo(200);
      }
      assertThat(s.connections).as("one connection for three requests").hasValue(1);
      assertThat(s.requests.getLast().header("Connection")).isNull();

      assertThat(client().reuseConnections("tenant-b").build().send(EgressRequest.get(url)).status()).isEqualTo(200);
      assertThat(s.connections).as("another partition never gets tenant-a's connection").hasValue(2);
      assertThat(client().build().send(EgressRequest.get(url)).status()).isEqualTo(200);
      assertThat(s.connections).as("without reuse every request opens its own").hasValue(3);
      assertThat(s.requests.getLast().header("Connection")).isEqualTo("close");
    }
  }

  @Test
  void keptConnection_isNotUsedForANameThatChecksDifferently_norAfterThePolicyStopsAllowingIt() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "ok"))) {
      s.requestsPerConnection = 100;
      assertThat(client().reuseConnections("t").build().send(EgressRequest.get("http://svc.test:" + s.port() + "/")).status())
          .isEqualTo(200);
      // Same address, another name: Host, SNI and certificate checks belong to the name, so no reuse.
      assertThat(client().reuseConnections("t").build().send(EgressRequest.get("http://other.test:" + s.port() + "/")).status())
          .isEqualTo(200);
      assertThat(s.connections).hasValue(2);
      // A kept connection never lets a request skip the policy check.
      EgressClient closed = EgressClient.builder(NetworkPolicy.denyAll()).resolver(TABLE).reuseConnections("t").build();
      assertThatThrownBy(() -> closed.send(EgressRequest.get("http://svc.test:" + s.port() + "/")))
          .isInstanceOf(EgressException.DestinationDenied.class);
      assertThat(s.requests).hasSize(2);
    }
  }

  @Test
  void connectionTheServerClosed_isReplacedByANewOne_andAnAnswerThatAsksToClose_isNotKept() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "ok"))) {
      s.requestsPerConnection = 1; // the server closes every connection after one answer
      EgressClient c = client().reuseConnections("t").build();
      String url = "http://svc.test:" + s.port() + "/";
      for (int i = 0; i < 3; i++) {
        assertThat(new String(c.send(new EgressRequest("POST", url, List.of(Map.entry("Content-Type", "application/json")), "{}".getBytes(UTF_8))).body(), UTF_8))
            .isEqualTo("ok");
      }
      assertThat(s.requests).as("each request reached the server exactly once").hasSize(3);
    }
    try (TestServer s = new TestServer(TestServer.text(200, "ok", "Connection: close"))) {
      s.requestsPerConnection = 100;
      EgressClient c = client().reuseConnections("t").build();
      c.send(EgressRequest.get("http://svc.test:" + s.port() + "/"));
      c.send(EgressRequest.get("http://svc.test:" + s.port() + "/"));
      assertThat(s.connections).hasValue(2);
    }
  }

  @Test
  void answerWithoutALength_orWithBytesBeyondItsEnd_closesTheConnection() throws Exception {
    TestServer.Handler untilClose = (r, out) -> TestServer.write(out, "HTTP/1.1 200 OK\r\n\r\nbody");
    try (TestServer s = new TestServer(untilClose)) {
      s.requestsPerConnection = 1;
      EgressClient c = client().reuseConnections("t").build();
      assertThat(new String(c.send(EgressRequest.get("http://svc.test:" + s.port() + "/")).body(), UTF_8)).isEqualTo("body");
      assertThat(new String(c.send(EgressRequest.get("http://svc.test:" + s.port() + "/")).body(), UTF_8)).isEqualTo("body");
      assertThat(s.connections).hasValue(2);
    }
    TestServer.Handler smuggling = (r, out) -> TestServer.write(out,
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged");
    try (TestServer s = new TestServer(smuggling)) {
      s.requestsPerConnection = 100;
      EgressClient c = client().reuseConnections("t").build();
      assertThat(new String(c.send(EgressRequest.get("http://svc.test:" + s.port() + "/")).body(), UTF_8)).isEqualTo("ok");
      assertThat(new String(c.send(EgressRequest.get("http://svc.test:" + s.port() + "/")).body(), UTF_8))
          .as("a response sent ahead of its request is never read as the answer to the next").isEqualTo("ok");
      assertThat(s.connections).hasValue(2);
    }
  }
}
