package dev.agentwarden.egress;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.policy.network.IpAddress;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.core.policy.network.NetworkPolicy.RuleSpec;
import dev.agentwarden.core.policy.network.Resolver;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS over the checked address: SNI and hostname verification use the original name. */
class TlsEgressTest {
  private static final char[] PASSWORD = "changeit".toCharArray();
  private static SSLServerSocketFactory serverTls;
  private static KeyStore clientTrust;

  private static final NetworkPolicy LOCAL =
      NetworkPolicy.builder().allow(RuleSpec.forCidr("127.0.0.1/32").schemes("https").anyPort()).build();
  private static final Resolver TABLE =
      Resolver.fixed(
          Map.of(
              "egress.test", List.of(IpAddress.parse("127.0.0.1").orElseThrow()),
              "wrong.test", List.of(IpAddress.parse("127.0.0.1").orElseThrow())));

  @BeforeAll
  static void certificate(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("server.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "egress", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=egress.test", "-ext", "san=dns:egress.test", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit")
            .redirectErrorStream(true)
            .start();
    String output = new String(keytool.getInputStream().readAllBytes(), UTF_8);
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();

    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    serverTls = ctx.getServerSocketFactory();

    clientTrust = KeyStore.getInstance("PKCS12");
    clientTrust.load(null, null);
    clientTrust.setCertificateEntry("egress", ks.getCertificate("egress"));
  }

  @Test
  void https_toTheCheckedAddress_sendsSniAndVerifiesTheOriginalName() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "secure"), serverTls)) {
      EgressClient c = EgressClient.builder(LOCAL).resolver(TABLE).trustStore(clientTrust).build();
      EgressResponse r = c.send(EgressRequest.get("https://egress.test:" + s.port() + "/x"));
      assertThat(new String(r.body(), UTF_8)).isEqualTo("secure");
      assertThat(s.requests.get(0).sniName()).isEqualTo("egress.test");
      assertThat(s.requests.get(0).header("Host")).isEqualTo("egress.test:" + s.port());
    }
  }

  @Test
  void certificateForAnotherName_failsHostnameVerification() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "x"), serverTls)) {
      EgressClient c = EgressClient.builder(LOCAL).resolver(TABLE).trustStore(clientTrust).build();
      assertThatThrownBy(() -> c.send(EgressRequest.get("https://wrong.test:" + s.port() + "/")))
          .isInstanceOf(EgressException.TlsFailure.class)
          .satisfies(e -> assertThat(((EgressException) e).code()).isEqualTo("egress_tls_failed"));
      assertThatThrownBy(() -> c.send(EgressRequest.get("https://127.0.0.1:" + s.port() + "/")))
          .isInstanceOf(EgressException.TlsFailure.class);
      assertThat(s.requests).isEmpty();
    }
  }

  @Test
  void untrustedCertificate_isRefusedByTheDefaultTrust() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "x"), serverTls)) {
      EgressClient c = EgressClient.builder(LOCAL).resolver(TABLE).build();
      assertThatThrownBy(() -> c.send(EgressRequest.get("https://egress.test:" + s.port() + "/")))
          .isInstanceOf(EgressException.TlsFailure.class);
      assertThat(s.requests).isEmpty();
    }
  }

  @Test
  void keptTlsConnection_carriesTheNextRequest_onlyForTheNameItVerified() throws Exception {
    try (TestServer s = new TestServer(TestServer.text(200, "secure"), serverTls)) {
      s.requestsPerConnection = 100;
      EgressClient c = EgressClient.builder(LOCAL).resolver(TABLE).trustStore(clientTrust).reuseConnections("t").build();
      for (int i = 0; i < 3; i++) {
        assertThat(new String(c.send(EgressRequest.get("https://egress.test:" + s.port() + "/x")).body(), UTF_8))
            .isEqualTo("secure");
      }
      assertThat(s.connections).as("one handshake for three requests").hasValue(1);
      assertThat(s.requests).allSatisfy(r -> assertThat(r.sniName()).isEqualTo("egress.test"));
      // Same address, a name the certificate does not cover: never sent on the verified connection.
      assertThatThrownBy(() -> c.send(EgressRequest.get("https://wrong.test:" + s.port() + "/x")))
          .isInstanceOf(EgressException.TlsFailure.class);
      assertThat(s.requests).hasSize(3);
    }
  }
}
