package dev.agentwarden.core.policy.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentwarden.core.policy.PolicyException;
import dev.agentwarden.core.policy.network.NetworkPolicy.RuleSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NetworkPolicyTest {
  private static IpAddress ip(String s) {
    return IpAddress.parse(s).orElseThrow();
  }

  private static final Resolver DNS =
      Resolver.fixed(
          Map.of(
              "api.github.com", List.of(ip("140.82.112.6")),
              "uploads.github.com", List.of(ip("140.82.112.7")),
              "github.com", List.of(ip("140.82.112.3")),
              "evil.example", List.of(ip("93.184.215.14"), ip("10.0.0.5")),
              "internal.corp", List.of(ip("10.1.2.3")),
              "meta.example", List.of(ip("169.254.169.254")),
              "v6.example", List.of(ip("::ffff:127.0.0.1")),
              "localhost", List.of(ip("127.0.0.1"))));

  private static final NetworkPolicy GITHUB =
      NetworkPolicy.builder()
          .allow(RuleSpec.forHost("api.github.com").id("github_api").http("GET /repos/**", "POST /repos/*/*/issues"))
          .allow(RuleSpec.forHost("*.github.com"))
          .allow(RuleSpec.forHost("evil.example"))
          .allow(RuleSpec.forHost("meta.example"))
          .allow(RuleSpec.forHost("v6.example"))
          .allow(RuleSpec.forHost("localhost"))
          .build();

  @Test
  void nothingIsAllowed_byAnEmptyPolicy() {
    var d = NetworkPolicy.denyAll().check("https://api.github.com/", DNS);
    assertThat(d.allowed()).isFalse();
    assertThat(d.decision().ruleId()).isEqualTo(NetworkPolicy.RULE_DEFAULT_DENY);
    assertThat(d.destination()).isEmpty();
  }

  @Test
  void exactHost_isAllowedAndReturnsTheCheckedAddress() {
    var d = GITHUB.check("GET", "https://API.github.com/repos/a/b", DNS);
    assertThat(d.allowed()).isTrue();
    assertThat(d.decision().ruleId()).isEqualTo("github_api");
    assertThat(d.destination().orElseThrow().address()).isEqualTo(ip("140.82.112.6"));
    assertThat(d.destination().orElseThrow().url().host()).isEqualTo("api.github.com");
  }

  @Test
  void wildcard_matchesSubdomainsButNotTheApexOrLookalikes() {
    assertThat(GITHUB.check("https://uploads.github.com/x", DNS).allowed()).isTrue();
    assertThat(GITHUB.check("https://github.com/", DNS).allowed()).isFalse();
    assertThat(GITHUB.check("https://evilgithub.com/", Resolver.fixed(Map.of("evilgithub.com", List.of(ip("1.2.3.4"))))).allowed())
        .isFalse();
  }

  @Test
  void defaultSchemeIsHttpsAndDefaultPortIsTheSchemes() {
    assertThat(GITHUB.check("http://uploads.github.com/", DNS).allowed()).isFalse();
    assertThat(GITHUB.check("https://uploads.github.com:8443/", DNS).allowed()).isFalse();
    assertThat(GITHUB.check("https://uploads.github.com:443/", DNS).allowed()).isTrue();
  }

  @Test
  void l7Rules_restrictMethodAndPath_andDotSegmentsCannotEscape() {
    NetworkPolicy api =
        NetworkPolicy.builder()
            .allow(RuleSpec.forHost("api.github.com").id("github_api").http("GET /repos/**", "POST /repos/*/*/issues"))
            .build();
    assertThat(api.check("GET", "https://api.github.com/repos/o/r/pulls", DNS).allowed()).isTrue();
    assertThat(api.check("POST", "https://api.github.com/repos/o/r/issues", DNS).allowed()).isTrue();
    var denied = api.check("DELETE", "https://api.github.com/repos/o/r", DNS);
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.decision().ruleId()).isEqualTo("github_api.http");
    assertThat(api.check("GET", "https://api.github.com/repos/../admin", DNS).allowed()).isFalse();
    assertThat(api.check("GET", "https://api.github.com/repos/%2e%2e/admin", DNS).allowed()).isFalse();
    assertThat(api.check("GET", "https://api.github.com/repos/a%2F..%2Fadmin", DNS).allowed()).isFalse();
    assertThat(api.check("GET", "https://api.github.com/user", DNS).allowed()).isFalse();
  }

  @Test
  void nameResolvingToAnyPrivateAddress_isDeniedEvenWhenTheHostIsAllowed() {
    var d = GITHUB.check("https://evil.example/", DNS);
    assertThat(d.allowed()).isFalse();
    assertThat(d.decision().ruleId()).isEqualTo(NetworkPolicy.RULE_SPECIAL_ADDRESS);
    assertThat(d.decision().reason()).contains("10.0.0.5").contains("private");
  }

  @Test
  void metadataAndMappedLoopback_areDeniedEvenWhenTheHostIsAllowed() {
    assertThat(GITHUB.check("https://meta.example/", DNS).decision().reason()).contains("cloud metadata");
    assertThat(GITHUB.check("https://v6.example/", DNS).decision().reason()).contains("loopback");
  }

  @Test
  void specialNames_areDeniedByHostRules_butACidrRuleCanAllowThem() {
    var d = GITHUB.check("https://localhost/", DNS);
    assertThat(d.decision().ruleId()).isEqualTo(NetworkPolicy.RULE_SPECIAL_NAME);
    NetworkPolicy local =
        NetworkPolicy.builder().allow(RuleSpec.forCidr("127.0.0.0/8").schemes("http").ports(11434)).build();
    var ok = local.check("http://localhost:11434/api", DNS);
    assertThat(ok.allowed()).isTrue();
    assertThat(ok.destination().orElseThrow().address()).isEqualTo(ip("127.0.0.1"));
  }

  @Test
  void cidrRule_allowsSpecialRange_onlyWhenEveryAddressIsInside() {
    NetworkPolicy p = NetworkPolicy.builder().allow(RuleSpec.forCidr("10.1.0.0/16").schemes("http", "https").anyPort()).build();
    assertThat(p.check("http://internal.corp:8080/", DNS).allowed()).isTrue();
    assertThat(p.check("http://10.1.255.1/", DNS).allowed()).isTrue();
    assertThat(p.check("http://012.1.0.1/", DNS).allowed()).isTrue(); // octal 10.1.0.1
    assertThat(p.check("http://10.2.0.1/", DNS).allowed()).isFalse();
    assertThat(p.check("http://evil.example/", DNS).allowed()).isFalse();
  }

  @Test
  void anyHostRule_stillNeverReachesSpecialAddresses() {
    NetworkPolicy p = NetworkPolicy.anyPublicDestination();
    for (String url :
        List.of(
            "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://127.1/", "http://[::1]/",
            "http://[::ffff:7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a9fe:a9fe::]/",
            "http://[2001::1]/", "http://[fd00:ec2::254]/", "http://0xa9fea9fe/", "http://100.100.100.200/",
            "http://[fe80::1%25eth0]/", "http://user@8.8.8.8/", "http://8.8.8.8\\@10.0.0.1/")) {
      assertThat(p.check(url, DNS).allowed()).as(url).isFalse();
    }
    assertThat(p.check("http://8.8.8.8:8080/", DNS).allowed()).isTrue();
  }

  @Test
  void theNameIsResolvedExactlyOncePerDecision() {
    AtomicInteger calls = new AtomicInteger();
    Resolver counting = name -> {
      calls.incrementAndGet();
      return List.of(ip("140.82.112.7"));
    };
    assertThat(GITHUB.check("https://uploads.github.com/", counting).allowed()).isTrue();
    assertThat(calls).hasValue(1);
  }

  @Test
  void resolverFailureOrNoAddress_denies() {
    Resolver broken = name -> {
      throw new IllegalStateException("dns down");
    };
    assertThat(GITHUB.check("https://uploads.github.com/", broken).decision().ruleId()).isEqualTo(NetworkPolicy.RULE_UNRESOLVABLE);
    assertThat(GITHUB.check("https://nowhere.github.com/", DNS).decision().ruleId()).isEqualTo(NetworkPolicy.RULE_UNRESOLVABLE);
    assertThat(GITHUB.check("https://nowhere.github.com/", name -> null).allowed()).isFalse();
  }

  @Test
  void invalidUrl_isADenialNotAnException() {
    var d = GITHUB.check("https://user:pw@api.github.com/", DNS);
    assertThat(d.decision().ruleId()).isEqualTo(NetworkPolicy.RULE_INVALID_URL);
  }

  @Test
  void reportMode_allowsUnlistedPublicHosts_butNeverSpecialAddresses() {
    NetworkPolicy p = NetworkPolicy.builder().mode(NetworkPolicy.Mode.REPORT).build();
    var d = p.check("https://github.com/", DNS);
    assertThat(d.allowed()).isTrue();
    assertThat(d.waived()).hasValueSatisfying(w -> assertThat(w.ruleId()).isEqualTo(NetworkPolicy.RULE_DEFAULT_DENY));
    assertThat(p.check("https://internal.corp/", DNS).allowed()).isFalse();
    assertThat(p.check("https://localhost/", DNS).allowed()).isFalse();
  }

  @Test
  void ruleOrder_doesNotChangeTheVerdict() {
    NetworkPolicy a = NetworkPolicy.builder().allow(RuleSpec.forHost("*.github.com")).allow(RuleSpec.forCidr("10.0.0.0/8").anyPort()).build();
    NetworkPolicy b = NetworkPolicy.builder().allow(RuleSpec.forCidr("10.0.0.0/8").anyPort()).allow(RuleSpec.forHost("*.github.com")).build();
    for (String url : List.of("https://uploads.github.com/", "https://internal.corp/", "https://evil.example/", "http://10.0.0.1/")) {
      assertThat(a.check(url, DNS).allowed()).as(url).isEqualTo(b.check(url, DNS).allowed());
    }
  }

  @Test
  void fromJson_compilesTheDocumentedShape() throws Exception {
    JsonNode n =
        new ObjectMapper()
            .readTree(
                """
                {"mode": "enforce", "allow": [
                  {"host": "api.github.com", "ports": [443], "schemes": ["https"], "http": ["GET /repos/**"]},
                  {"cidr": "10.1.0.0/16", "schemes": ["http"], "ports": ["8000-8999"], "id": "lab"}
                ]}""");
    NetworkPolicy p = NetworkPolicy.fromJson(n);
    assertThat(p.check("GET", "https://api.github.com/repos/x", DNS).decision().ruleId()).isEqualTo("network.allow[0]");
    assertThat(p.check("http://internal.corp:8080/", DNS).decision().ruleId()).isEqualTo("lab");
    assertThat(p.check("http://internal.corp:9000/", DNS).allowed()).isFalse();
  }

  @Test
  void fromJson_rejectsTyposAndBadValuesWithAClearMessage() throws Exception {
    ObjectMapper m = new ObjectMapper();
    assertThatThrownBy(() -> NetworkPolicy.fromJson(m.readTree("{\"allow\": [{\"hots\": \"a.b\"}]}")))
        .isInstanceOf(PolicyException.class).hasMessageContaining("hots");
    assertThatThrownBy(() -> NetworkPolicy.fromJson(m.readTree("{\"allow\": [{\"cidr\": \"10.0.0.0/33\"}]}")))
        .isInstanceOf(PolicyException.class).hasMessageContaining("network.allow[0]");
    assertThatThrownBy(() -> NetworkPolicy.fromJson(m.readTree("{\"allow\": [{\"host\": \"a.b\", \"cidr\": \"10.0.0.0/8\"}]}")))
        .isInstanceOf(PolicyException.class);
    assertThatThrownBy(() -> NetworkPolicy.fromJson(m.readTree("{\"allow\": [{\"host\": \"a.b\", \"schemes\": [\"ftp\"]}]}")))
        .isInstanceOf(PolicyException.class).hasMessageContaining("ftp");
    assertThatThrownBy(() -> NetworkPolicy.fromJson(m.readTree("{\"allow\": [{\"host\": \"a*.b\"}]}")))
        .isInstanceOf(PolicyException.class);
    assertThatThrownBy(() -> NetworkPolicy.fromJson(m.readTree("{\"allow\": [{\"host\": \"a.b\", \"ports\": [0]}]}")))
        .isInstanceOf(PolicyException.class);
    assertThatThrownBy(() -> NetworkPolicy.fromJson(m.readTree("{\"mode\": \"audit\"}")))
        .isInstanceOf(PolicyException.class).hasMessageContaining("audit");
    assertThatThrownBy(() -> NetworkPolicy.fromJson(m.readTree("{\"allow\": [{\"host\": \"a.b\", \"http\": [\"GET repos\"]}]}")))
        .isInstanceOf(PolicyException.class);
  }

  @Test
  void fromJson_ofMissingSection_deniesEverything() {
    assertThat(NetworkPolicy.fromJson(com.fasterxml.jackson.databind.node.MissingNode.getInstance())
            .check("https://api.github.com/", DNS).allowed())
        .isFalse();
  }
}
