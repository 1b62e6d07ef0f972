package dev.agentwarden.egress;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.policy.network.IpAddress;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.core.policy.network.NetworkPolicy.RuleSpec;
import dev.agentwarden.core.policy.network.Resolver;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EgressStreamTest {
  private static final NetworkPolicy LOCAL =
      NetworkPolicy.builder().allow(RuleSpec.forCidr("127.0.0.1/32").schemes("http").anyPort().id("test_loopback")).build();
  private static final Resolver TABLE = Resolver.fixed(Map.of(
      "svc.test", List.of(IpAddress.parse("127.0.0.1").orElseThrow()),
      "meta.test", List.of(IpAddress.parse("169.254.169.254").orElseThrow())));

  private static EgressClient.Builder client() {
    return EgressClient.builder(LOCAL).resolver(TABLE).readTimeout(Duration.ofSeconds(10)).totalTimeout(Duration.ofSeconds(20));
  }

  @Test
  void chunkedBody_reachesTheCallerBeforeTheUpstreamFinishes() throws Exception {
    CountDownLatch firstRead = new CountDownLatch(1);
    TestServer.Handler slow = (r, out) -> {
      TestServer.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
      out.flush();
      // The second chunk is written only after the client has read the first one.
      firstRead.await(10, TimeUnit.SECONDS);
      TestServer.write(out, "6\r\nsecond\r\n0\r\n\r\n");
    };
    try (TestServer s = new TestServer(slow);
        EgressStream stream = client().build().open(EgressRequest.get("http://svc.test:" + s.port() + "/"))) {
      assertThat(stream.status()).isEqualTo(200);
      InputStream body = stream.body();
      byte[] buf = new byte[64];
      int n = body.read(buf, 0, buf.length);
      assertThat(new String(buf, 0, n, UTF_8)).isEqualTo("first");
      firstRead.countDown();
      assertThat(new String(body.readAllBytes(), UTF_8)).isEqualTo("second");
    }
  }

  @Test
  void credentialsAreInjected_andContentLengthBodiesEndAtTheirLength() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "hello"));
        EgressStream stream = client().credentials(d -> Map.of("Authorization", "Bearer k1")).build()
            .open(new EgressRequest("POST", "http://svc.test:" + s.port() + "/v1", List.of(), "{}".getBytes(UTF_8)))) {
      assertThat(new String(stream.body().readAllBytes(), UTF_8)).isEqualTo("hello");
      assertThat(s.requests.get(0).header("Authorization")).isEqualTo("Bearer k1");
    }
  }

  @Test
  void deniedDestination_sendsNothing() {
    assertThatThrownBy(() -> client().build().open(EgressRequest.get("http://meta.test/latest")))
        .isInstanceOf(EgressException.DestinationDenied.class);
  }

  @Test
  void upstreamClosingMidChunk_failsTheRead() throws Exception {
    TestServer.Handler broken = (r, out) ->
        TestServer.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly-part");
    try (TestServer s = new TestServer(broken);
        EgressStream stream = client().build().open(EgressRequest.get("http://svc.test:" + s.port() + "/"))) {
      assertThatThrownBy(() -> stream.body().readAllBytes()).isInstanceOf(EgressException.BadResponse.class);
    }
  }

  @Test
  void silentUpstream_hitsTheReadTimeout() throws Exception {
    TestServer.Handler silent = (r, out) -> {
      TestServer.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n");
      out.flush();
      Thread.sleep(5_000);
    };
    try (TestServer s = new TestServer(silent);
        EgressStream stream = client().readTimeout(Duration.ofMillis(300)).build()
            .open(EgressRequest.get("http://svc.test:" + s.port() + "/"))) {
      assertThat(stream.body().read(new byte[8], 0, 8)).isEqualTo(2);
      assertThatThrownBy(() -> stream.body().read(new byte[8], 0, 8)).isInstanceOf(EgressException.Timeout.class);
    }
  }

  @Test
  void bodyOverTheCap_isRefused() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "x".repeat(100)))) {
      EgressClient capped = client().maxResponseBytes(10).build();
      assertThatThrownBy(() -> {
        try (EgressStream stream = capped.open(EgressRequest.get("http://svc.test:" + s.port() + "/"))) {
          stream.body().readAllBytes();
        }
      }).isInstanceOf(EgressException.ResponseTooLarge.class);
    }
  }
}
