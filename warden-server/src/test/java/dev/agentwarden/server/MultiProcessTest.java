package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Two gateway processes on one database share revocations and rate limits. */
@Tag("database")
class MultiProcessTest {

  @Test
  void revocationThroughOneGateway_isHonouredByTheOtherWithinOneSecond() throws InterruptedException {
    try (TestGateway one = TestGateway.start(); TestGateway two = TestGateway.secondOn(one, Map.of())) {
      TestGateway.NewTenant t = one.createTenant("revoke-everywhere");
      String[] key = one.createKey(t.adminKey(), "shared", "admin");
      assertThat(two.get("/v1/keys", key[1]).status()).isEqualTo(200);
      assertThat(one.delete("/v1/keys/" + key[0], t.adminKey()).status()).isEqualTo(204);
      // The other process may serve from its key cache for at most MAX_STALENESS.
      Thread.sleep(Authenticator.MAX_STALENESS.toMillis() + 100);
      assertThat(two.get("/v1/keys", key[1]).status()).isEqualTo(401);
    }
  }

  @Test
  void rateLimits_areSharedByBothGateways_andAnswer429WithHeaders() {
    Map<String, String> strict = Map.of("key_rate_per_second", "0.01", "key_burst", "10");
    try (TestGateway one = TestGateway.start(strict); TestGateway two = TestGateway.secondOn(one, strict)) {
      TestGateway.NewTenant t = one.createTenant("limited");
      int allowed = 0;
      TestGateway.Reply refused = null;
      for (int i = 0; i < 30 && refused == null; i++) {
        TestGateway.Reply r = (i % 2 == 0 ? one : two).get("/v1/keys", t.adminKey());
        if (r.status() == 200) {
          allowed++;
          assertThat(r.header("RateLimit-Limit")).hasValue("10");
        } else {
          refused = r;
        }
      }
      // createTenant does not spend the tenant admin key's tokens; the burst of 10 is shared.
      assertThat(allowed).isEqualTo(10);
      assertThat(refused).isNotNull();
      assertThat(refused.status()).isEqualTo(429);
      assertThat(refused.code()).isEqualTo("rate_limited");
      assertThat(refused.header("Retry-After")).isPresent();
      assertThat(refused.header("RateLimit-Remaining")).hasValue("0");
    }
  }
}
