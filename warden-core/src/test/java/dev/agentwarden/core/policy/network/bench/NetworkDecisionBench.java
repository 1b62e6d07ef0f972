package dev.agentwarden.core.policy.network.bench;

import dev.agentwarden.core.policy.network.HttpUrl;
import dev.agentwarden.core.policy.network.IpAddress;
import dev.agentwarden.core.policy.network.NetworkDecision;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.core.policy.network.NetworkPolicy.RuleSpec;
import dev.agentwarden.core.policy.network.Resolver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Latency of one network decision (parse, resolve through a fixed table, classify every address,
 * match rules), as egress makes it before each hop. Run the way BENCHMARKS.md records.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class NetworkDecisionBench {
  private static IpAddress ip(String s) {
    return IpAddress.parse(s).orElseThrow();
  }

  private final NetworkPolicy policy =
      NetworkPolicy.builder()
          .allow(RuleSpec.forHost("api.github.com").http("GET /repos/**", "POST /repos/*/*/issues"))
          .allow(RuleSpec.forHost("*.googleapis.com"))
          .allow(RuleSpec.forHost("api.openai.com").ports(443))
          .allow(RuleSpec.forCidr("10.1.0.0/16").schemes("http", "https").anyPort())
          .build();

  private final Resolver resolver =
      Resolver.fixed(
          Map.of(
              "api.github.com", List.of(ip("140.82.112.6")),
              "storage.googleapis.com", List.of(ip("142.250.74.59"), ip("2a00:1450:4001:82b::201b")),
              "rebind.example", List.of(ip("93.184.215.14"), ip("169.254.169.254"))));

  @Benchmark
  public NetworkDecision allowedHostWithL7Rule() {
    return policy.check("GET", "https://api.github.com/repos/octo/hello/pulls?state=open", resolver);
  }

  @Benchmark
  public NetworkDecision allowedWildcardTwoAddresses() {
    return policy.check("GET", "https://storage.googleapis.com/bucket/object", resolver);
  }

  @Benchmark
  public NetworkDecision deniedHexShortIpv4() {
    return policy.check("GET", "http://0x7f.1/", resolver);
  }

  @Benchmark
  public NetworkDecision deniedMappedMetadataIpv6() {
    return policy.check("GET", "http://[::ffff:169.254.169.254]/latest/meta-data/", resolver);
  }

  @Benchmark
  public NetworkDecision deniedRebindingName() {
    return policy.check("GET", "https://rebind.example/", resolver);
  }

  @Benchmark
  public NetworkDecision deniedUnlistedHost() {
    return policy.check("GET", "https://example.org/", resolver);
  }

  @Benchmark
  public HttpUrl parseOnly() {
    return HttpUrl.parse("https://api.github.com/repos/octo/hello/pulls?state=open");
  }
}
