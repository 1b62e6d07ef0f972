package dev.agentwarden.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.policy.network.IpAddress;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.core.policy.network.NetworkPolicy.RuleSpec;
import dev.agentwarden.core.policy.network.Resolver;
import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.core.vault.VaultException;
import dev.agentwarden.egress.EgressClient;
import dev.agentwarden.egress.EgressException;
import dev.agentwarden.egress.EgressRequest;
import dev.agentwarden.egress.EgressResponse;
import dev.agentwarden.egress.EgressStream;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.ProviderRegistry;
import dev.agentwarden.store.Tenants;
import dev.agentwarden.store.TestDatabases;
import dev.agentwarden.store.Vault;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Brokering through the real egress client to a real local upstream that echoes what it got:
 * the secret is injected only toward allowed hosts, never decrypted for others, and scrubbed
 * from what comes back.
 */
@Tag("database")
class CredentialBrokerTest {
  private static final String SECRET = "upstream-key-Hq2XvB9mL4nR8sT1wZ6Qp";
  private static final NetworkPolicy LOOPBACK =
      NetworkPolicy.builder().allow(RuleSpec.forCidr("127.0.0.1/32").schemes("http").anyPort().id("test_loopback")).build();
  private static final Resolver NAMES = Resolver.fixed(Map.of(
      "api.upstream.test", List.of(IpAddress.parse("127.0.0.1").orElseThrow()),
      "other.test", List.of(IpAddress.parse("127.0.0.1").orElseThrow())));

  private Database db;
  private Vault vault;
  private ProviderRegistry providers;
  private CredentialBroker broker;
  private TenantId tenant;
  private HttpServer upstream;
  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private final AtomicInteger unwraps = new AtomicInteger();
  @org.junit.jupiter.api.io.TempDir java.nio.file.Path keyDir;

  @BeforeEach
  void setUp() throws Exception {
    db = TestDatabases.connect(TestDatabases.createMigrated(), 2);
    KeyEncryptionKey real = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    KeyEncryptionKey kek = counting(real);
    vault = Vault.open(db, kek, List.of(), dev.agentwarden.core.crypto.TenantKeyProvider.local(
        dev.agentwarden.store.KeyDirectory.open(keyDir.resolve("tenant-keys")), kek, List.of()));
    providers = ProviderRegistry.of(db, vault);
    broker = new CredentialBroker(vault, providers);
    tenant = TenantId.random();
    db.asOperator(tx -> Tenants.create(tx, tenant, "t"));
    vault.create(tenant, new SecretRef("upstream"), SecretValue.of(SECRET),
        AllowedHosts.of(List.of("api.upstream.test")), Injection.BEARER);

    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    upstream.createContext("/", ex -> {
      upstreamCalls.incrementAndGet();
      String auth = String.valueOf(ex.getRequestHeaders().getFirst("Authorization"));
      byte[] body = ("{\"error\":\"invalid key " + auth + "\"}").getBytes(UTF_8);
      ex.getResponseHeaders().add("X-Echo", auth);
      ex.sendResponseHeaders(401, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    // Streams the echo as server-sent events in two chunks, cut at the offset the query names.
    upstream.createContext("/stream", ex -> {
      upstreamCalls.incrementAndGet();
      String auth = String.valueOf(ex.getRequestHeaders().getFirst("Authorization"));
      byte[] body = ("data: {\"echo\":\"" + auth + "\"}\n\n").getBytes(UTF_8);
      int cut = Math.min(body.length, Integer.parseInt(ex.getRequestURI().getQuery().substring("cut=".length())));
      ex.getResponseHeaders().add("Content-Type", "text/event-stream");
      ex.getResponseHeaders().add("X-Echo", auth);
      ex.sendResponseHeaders(200, 0);
      var out = ex.getResponseBody();
      out.write(body, 0, cut);
      out.flush();
      out.write(body, cut, body.length - cut);
      out.close();
    });
    upstream.start();
  }

  @AfterEach
  void tearDown() {
    upstream.stop(0);
    db.close();
  }

  private EgressResponse send(CredentialBroker.Brokering brokering, String host) {
    EgressClient client = EgressClient.builder(LOOPBACK).resolver(NAMES).credentials(brokering)
        .readTimeout(Duration.ofSeconds(5)).totalTimeout(Duration.ofSeconds(10)).build();
    return client.send(EgressRequest.get("http://" + host + ":" + upstream.getAddress().getPort() + "/v1/models"));
  }

  @Test
  void allowedHost_getsTheSecretInItsHeader_andAnEchoIsScrubbedFromBodyAndHeaders() {
    CredentialBroker.Brokering b = broker.secret(tenant, new SecretRef("upstream"));
    EgressResponse raw = send(b, "api.upstream.test");
    assertThat(new String(raw.body(), UTF_8)).contains("Bearer " + SECRET); // the upstream really got it

    EgressResponse seen = b.scrub(raw);
    assertThat(new String(seen.body(), UTF_8)).isEqualTo("{\"error\":\"invalid key Bearer [vault://upstream]\"}");
    assertThat(seen.header("X-Echo")).hasValue("Bearer [vault://upstream]");
    assertThat(seen.status()).isEqualTo(401);
    assertThat(b.releases()).isEqualTo(1);
  }

  @Test
  void hostOutsideAllowedHosts_isRefused_beforeDecryptingOrSending() {
    unwraps.set(0);
    assertRefusedBeforeUnwrappingOrSending(broker.secret(tenant, new SecretRef("upstream")), "other.test");
  }

  private void assertRefusedBeforeUnwrappingOrSending(CredentialBroker.Brokering b, String host) {
    assertThatThrownBy(() -> send(b, host))
        .isInstanceOf(VaultException.class)
        .hasFieldOrPropertyWithValue("code", "host_not_allowed")
        .hasMessageNotContaining(SECRET);
    assertThat(unwraps).hasValue(0);
    assertThat(upstreamCalls).hasValue(0);
    assertThat(b.releases()).isZero();
  }

  @Test
  void sealedProviderKey_toAHostOutsideAllowedHosts_isRefusedBeforeUnwrappingOrSending() {
    providers.create(tenant, new ProviderRegistry.NewProvider("sealed", "openai_compatible",
        "http://api.upstream.test/v1", Optional.empty(), Optional.of(new SecretRef("upstream")), List.of(), true));
    dev.agentwarden.store.Provider provider = providers.requireEnabled(tenant, "sealed");
    CredentialBroker.Brokering b = db.inTenant(tenant, tx -> broker.provider(tx, provider));
    unwraps.set(0);
    assertRefusedBeforeUnwrappingOrSending(b, "other.test");
  }

  @Test
  void sealedKeysReleasedInARow_openTheDataKeyOnce_andARotatedKeysetIsOpenedAnew() {
    providers.create(tenant, new ProviderRegistry.NewProvider("rowed", "openai_compatible",
        "http://api.upstream.test/v1", Optional.empty(), Optional.of(new SecretRef("upstream")), List.of(), true));
    dev.agentwarden.store.Provider provider = providers.requireEnabled(tenant, "rowed");
    unwraps.set(0);
    int afterFirst = 0;
    for (int i = 0; i < 3; i++) {
      CredentialBroker.Brokering b = db.inTenant(tenant, tx -> broker.provider(tx, provider));
      // The upstream echoes the key it got: scrubbed to its reference only if it was the secret.
      assertThat(new String(b.scrub(send(b, "api.upstream.test")).body(), UTF_8)).contains("[vault://upstream]");
      afterFirst = i == 0 ? unwraps.get() : afterFirst;
    }
    assertThat(afterFirst).as("the first release opened the data key").isPositive();
    assertThat(unwraps.get()).as("the next two found it opened").isEqualTo(afterFirst);

    vault.rotateDataKey(tenant);
    int beforeRotatedRelease = unwraps.get();
    CredentialBroker.Brokering b = db.inTenant(tenant, tx -> broker.provider(tx, provider));
    EgressResponse seen = send(b, "api.upstream.test");
    assertThat(new String(b.scrub(seen).body(), UTF_8)).as("the re-encrypted secret still decrypts")
        .contains("[vault://upstream]");
    assertThat(unwraps.get()).as("a rotated keyset is never served from what was opened before").isGreaterThan(beforeRotatedRelease);
  }

  @Test
  void destinationDeniedByPolicy_neverReachesTheVault() {
    unwraps.set(0);
    CredentialBroker.Brokering b = broker.secret(tenant, new SecretRef("upstream"));
    EgressClient client = EgressClient.builder(NetworkPolicy.denyAll()).resolver(NAMES).credentials(b).build();
    assertThatThrownBy(() -> client.send(EgressRequest.get("http://api.upstream.test:" + upstream.getAddress().getPort() + "/")))
        .isInstanceOf(EgressException.DestinationDenied.class);
    assertThat(unwraps).hasValue(0);
    assertThat(b.releases()).isZero();
  }

  @Test
  void disabledProvider_failsClosedBeforeAnyConnection() {
    providers.create(tenant, new ProviderRegistry.NewProvider("local", "openai_compatible",
        "http://api.upstream.test/v1", Optional.empty(), Optional.of(new SecretRef("upstream")), List.of(), true));
    CredentialBroker.Brokering call = broker.provider(tenant, "local");
    EgressResponse ok = call.scrub(send(call, "api.upstream.test"));
    assertThat(new String(ok.body(), UTF_8)).doesNotContain(SECRET);

    providers.update(tenant, "local", new ProviderRegistry.ProviderChange(Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(false)));
    int before = upstreamCalls.get();
    assertThatThrownBy(() -> broker.provider(tenant, "local"))
        .isInstanceOf(VaultException.class)
        .satisfies(e -> assertThat(Problems.classify(e).status()).isEqualTo(403))
        .hasFieldOrPropertyWithValue("code", "provider_disabled");
    assertThat(upstreamCalls.get()).isEqualTo(before);
  }

  @Test
  void providerKeySealedInTheCallsTransaction_isUnwrappedOnlyInsideEgress_afterTheDestinationCheck() {
    providers.create(tenant, new ProviderRegistry.NewProvider("proxied", "openai_compatible",
        "http://api.upstream.test/v1", Optional.empty(), Optional.of(new SecretRef("upstream")), List.of(), true));
    dev.agentwarden.store.Provider provider = providers.requireEnabled(tenant, "proxied");
    unwraps.set(0);
    CredentialBroker.Brokering denied = db.inTenant(tenant, tx -> broker.provider(tx, provider));
    EgressClient closed = EgressClient.builder(NetworkPolicy.denyAll()).resolver(NAMES).credentials(denied).build();
    assertThatThrownBy(() -> closed.send(EgressRequest.get("http://api.upstream.test:" + upstream.getAddress().getPort() + "/")))
        .isInstanceOf(EgressException.DestinationDenied.class);
    assertThat(unwraps).as("a reference costs no decryption until egress sends").hasValue(0);
    assertThat(denied.released()).isEmpty();

    CredentialBroker.Brokering allowed = db.inTenant(tenant, tx -> broker.provider(tx, provider));
    assertThat(unwraps).hasValue(0);
    EgressResponse seen = allowed.scrub(send(allowed, "api.upstream.test"));
    assertThat(unwraps.get()).isPositive();
    assertThat(new String(seen.body(), UTF_8)).contains("[vault://upstream]").doesNotContain(SECRET);
  }

  @Test
  void streamedEcho_splitAcrossChunksAtEveryOffset_isScrubbedFromBodyAndHeaders() throws Exception {
    String expected = "data: {\"echo\":\"Bearer [vault://upstream]\"}\n\n";
    int length = ("data: {\"echo\":\"Bearer " + SECRET + "\"}\n\n").getBytes(UTF_8).length;
    EgressClient.Builder builder = EgressClient.builder(LOOPBACK).resolver(NAMES)
        .readTimeout(Duration.ofSeconds(5)).totalTimeout(Duration.ofSeconds(10));
    for (int cut = 0; cut <= length; cut++) {
      CredentialBroker.Brokering b = broker.secret(tenant, new SecretRef("upstream"));
      EgressClient client = builder.credentials(b).build();
      try (EgressStream raw = client.open(EgressRequest.get(
          "http://api.upstream.test:" + upstream.getAddress().getPort() + "/stream?cut=" + cut));
          EgressStream seen = b.scrub(raw)) {
        assertThat(seen.header("X-Echo")).hasValue("Bearer [vault://upstream]");
        assertThat(new String(seen.body().readAllBytes(), UTF_8)).as("cut at %d", cut).isEqualTo(expected);
      }
    }
  }

  @Test
  void streamWithNothingReleased_isPassedThroughAsItIs() throws Exception {
    CredentialBroker.Brokering b = broker.secret(tenant, new SecretRef("upstream"));
    EgressClient client = EgressClient.builder(LOOPBACK).resolver(NAMES).readTimeout(Duration.ofSeconds(5)).build();
    try (EgressStream raw = client.open(EgressRequest.get(
        "http://api.upstream.test:" + upstream.getAddress().getPort() + "/stream?cut=3"))) {
      assertThat(b.scrub(raw)).isSameAs(raw);
    }
  }

  private KeyEncryptionKey counting(KeyEncryptionKey real) {
    return new KeyEncryptionKey() {
      @Override
      public String keyId() {
        return real.keyId();
      }

      @Override
      public byte[] wrap(byte[] plaintext, byte[] associatedData) {
        return real.wrap(plaintext, associatedData);
      }

      @Override
      public byte[] unwrap(byte[] ciphertext, byte[] associatedData) {
        unwraps.incrementAndGet();
        return real.unwrap(ciphertext, associatedData);
      }
    };
  }
}
