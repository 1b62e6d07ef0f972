package dev.agentwarden.core.policy.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.PolicyException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The network section of a policy, compiled: an immutable, thread-safe decision function from a
 * URL (and HTTP method) to allow-with-destination or deny.
 *
 * <p>Nothing is allowed unless a rule allows it. A URL is allowed when one rule opens its scheme
 * and port, matches its target, and (when the rule has L7 rules) its method and path, where the
 * target matches if:
 *
 * <ul>
 *   <li>{@code host} rule: the host matches and <em>every</em> address the name resolves to is
 *       public. Special-purpose addresses (loopback, private, link-local, metadata, ... see
 *       {@link AddressClass}) and special names ({@code localhost}, {@code metadata.google.internal}
 *       ...) are never reached through a host rule;
 *   <li>{@code cidr} rule: every resolved address lies in the range. This is the only way to
 *       reach a special-purpose address.
 * </ul>
 *
 * <p>The name is resolved once; the returned {@link Destination} carries the checked address to
 * connect to. The order of rules does not change the verdict; the rule id reported is the first
 * matching rule's. In {@code report} mode, a URL that only lacks an allow rule is allowed and the
 * waived denial is returned for auditing; invalid URLs, unresolvable names and special-purpose
 * addresses stay denied in every mode, because those denials are the SSRF guard, not the
 * allowlist. Any exception inside a decision denies.
 */
public final class NetworkPolicy {
  /** Rule ids of the built-in denials. */
  public static final String RULE_DEFAULT_DENY = "network.default_deny";

  public static final String RULE_INVALID_URL = "network.invalid_url";
  public static final String RULE_UNRESOLVABLE = "network.unresolvable";
  public static final String RULE_SPECIAL_ADDRESS = "network.special_address";
  public static final String RULE_SPECIAL_NAME = "network.special_name";
  public static final String RULE_ERROR = "network.error";

  /** Enforce denies; report allows what only the allowlist would deny, and says so. */
  public enum Mode {
    ENFORCE,
    REPORT
  }

  private static final Set<String> SPECIAL_NAMES =
      Set.of(
          "localhost",
          "localhost.localdomain",
          "ip6-localhost",
          "ip6-loopback",
          "metadata",
          "metadata.google.internal",
          "metadata.goog",
          "instance-data",
          "instance-data.ec2.internal");

  private final Mode mode;
  private final List<AllowRule> rules;

  private NetworkPolicy(Mode mode, List<AllowRule> rules) {
    this.mode = mode;
    this.rules = List.copyOf(rules);
  }

  /** A policy that allows nothing. */
  public static NetworkPolicy denyAll() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Compiles the {@code network:} section of a policy document (already parsed from YAML or
   * JSON). Shape:
   *
   * <pre>
   * mode: enforce            # or report; default enforce
   * allow:
   *   - host: api.github.com # exact host, "*.example.com" (subdomains), or "*"
   *     schemes: [https]     # default [https]
   *     ports: [443]         # numbers, "8000-8999" or "*"; default: the schemes' default ports
   *     http: ["GET /repos/**"]   # optional L7 rules: METHOD (or *) and a path glob
   *     id: github           # optional rule id; default network.allow[i]
   *   - cidr: 10.1.0.0/16    # an address range, the only way to reach special addresses
   *     schemes: [http, https]
   *     ports: ["*"]
   * </pre>
   *
   * Unknown keys are errors, so a typo cannot silently widen or narrow a policy.
   *
   * @throws PolicyException naming the offending entry
   */
  public static NetworkPolicy fromJson(JsonNode network) {
    if (network == null || network.isNull() || network.isMissingNode()) {
      return denyAll();
    }
    if (!network.isObject()) {
      throw new PolicyException("network must be a mapping with 'mode' and 'allow'");
    }
    checkKeys(network, "network", Set.of("mode", "allow"));
    Builder b = builder();
    JsonNode mode = network.get("mode");
    if (mode != null) {
      b.mode(modeOf(text(mode, "network.mode")));
    }
    JsonNode allow = network.get("allow");
    if (allow != null && !allow.isNull()) {
      if (!allow.isArray()) {
        throw new PolicyException("network.allow must be a list");
      }
      int i = 0;
      for (JsonNode entry : allow) {
        String where = "network.allow[" + i + "]";
        if (!entry.isObject()) {
          throw new PolicyException(where + " must be a mapping with 'host' or 'cidr'");
        }
        checkKeys(entry, where, Set.of("id", "host", "cidr", "schemes", "ports", "http"));
        RuleSpec spec = new RuleSpec();
        if (entry.has("id")) {
          spec.id(text(entry.get("id"), where + ".id"));
        }
        if (entry.has("host") == entry.has("cidr")) {
          throw new PolicyException(where + " needs exactly one of 'host' and 'cidr'");
        }
        if (entry.has("host")) {
          spec.host(text(entry.get("host"), where + ".host"));
        } else {
          spec.cidr(text(entry.get("cidr"), where + ".cidr"));
        }
        if (entry.has("schemes")) {
          spec.schemes(strings(entry.get("schemes"), where + ".schemes"));
        }
        if (entry.has("ports")) {
          spec.ports(strings(entry.get("ports"), where + ".ports"));
        }
        if (entry.has("http")) {
          spec.http(strings(entry.get("http"), where + ".http"));
        }
        b.allow(spec);
        i++;
      }
    }
    return b.build();
  }

  public Mode mode() {
    return mode;
  }

  /** Decides a GET of {@code url}. */
  public NetworkDecision check(String url, Resolver resolver) {
    return check("GET", url, resolver);
  }

  /** Decides {@code method url}; never throws: a URL that does not parse is a denial. */
  public NetworkDecision check(String method, String url, Resolver resolver) {
    HttpUrl parsed;
    try {
      parsed = HttpUrl.parse(url);
    } catch (InvalidUrlException e) {
      return NetworkDecision.deny(RULE_INVALID_URL, "invalid URL: " + e.getMessage());
    }
    return check(method, parsed, resolver);
  }

  /** Decides {@code method url} for an already parsed URL (a redirect hop). Never throws. */
  public NetworkDecision check(String method, HttpUrl url, Resolver resolver) {
    try {
      return decide(method.toUpperCase(Locale.ROOT), url, resolver);
    } catch (RuntimeException e) {
      // A check that cannot decide denies. The message is ours or the resolver's, not a secret.
      return NetworkDecision.deny(RULE_ERROR, "the network check failed: " + e.getClass().getSimpleName());
    }
  }

  private NetworkDecision decide(String method, HttpUrl url, Resolver resolver) {
    boolean specialName = url.ipLiteral().isEmpty() && isSpecialName(url.host());
    List<IpAddress> addresses;
    if (url.ipLiteral().isPresent()) {
      addresses = List.of(url.ipLiteral().get());
    } else {
      List<IpAddress> r;
      try {
        r = resolver.resolve(url.host());
      } catch (RuntimeException e) {
        return NetworkDecision.deny(RULE_UNRESOLVABLE, "host " + url.host() + " could not be resolved");
      }
      if (r == null || r.isEmpty()) {
        return NetworkDecision.deny(RULE_UNRESOLVABLE, "host " + url.host() + " does not resolve");
      }
      addresses = List.copyOf(r);
    }
    List<AddressClassifier.Classified> classified = new ArrayList<>(addresses.size());
    AddressClassifier.Classified firstSpecial = null;
    for (IpAddress a : addresses) {
      AddressClassifier.Classified c = AddressClassifier.classify(a);
      classified.add(c);
      if (firstSpecial == null && !c.isPublic()) {
        firstSpecial = c;
      }
    }
    boolean allPublic = firstSpecial == null && !specialName;

    AllowRule httpMismatch = null;
    for (AllowRule rule : rules) {
      if (!rule.opens(url) || !targetMatches(rule, url, classified, allPublic)) {
        continue;
      }
      if (!rule.httpAllows(method, url)) {
        if (httpMismatch == null) {
          httpMismatch = rule;
        }
        continue;
      }
      Destination d = new Destination(url, classified.get(0).connectTo(), addresses);
      return new NetworkDecision(
          Decision.allow(rule.id(), "allowed by " + rule.describeTarget() + " (" + url.scheme() + " port " + url.port() + ")"),
          Optional.of(d),
          Optional.empty());
    }

    if (specialName) {
      return NetworkDecision.deny(
          RULE_SPECIAL_NAME, "host " + url.host() + " is a local or metadata name; only a cidr rule can allow it");
    }
    if (firstSpecial != null) {
      firstSpecial = firstUncovered(url, classified).orElse(firstSpecial);
      String of = url.ipLiteral().isPresent() ? "address " : "host " + url.host() + " resolves to ";
      return NetworkDecision.deny(
          RULE_SPECIAL_ADDRESS, of + firstSpecial.describe() + "; only a cidr rule can allow it");
    }
    Decision deny =
        httpMismatch != null
            ? Decision.deny(httpMismatch.id() + ".http", method + " " + url.path() + " is not allowed by the HTTP rules of " + httpMismatch.describeTarget())
            : Decision.deny(RULE_DEFAULT_DENY, "no rule allows " + url.scheme() + "://" + url.authority());
    if (mode == Mode.REPORT) {
      Destination d = new Destination(url, classified.get(0).connectTo(), addresses);
      return new NetworkDecision(
          Decision.allow("network.report_mode", "report mode: allowed, but would deny: " + deny.reason()),
          Optional.of(d),
          Optional.of(deny));
    }
    return new NetworkDecision(deny, Optional.empty(), Optional.empty());
  }

  private static boolean targetMatches(
      AllowRule rule, HttpUrl url, List<AddressClassifier.Classified> addresses, boolean allPublic) {
    if (rule.cidr().isPresent()) {
      Cidr cidr = rule.cidr().get();
      for (AddressClassifier.Classified c : addresses) {
        if (!cidr.contains(c.connectTo()) && !cidr.contains(c.address())) {
          return false;
        }
      }
      return true;
    }
    return allPublic && rule.hostMatches(url);
  }

  /** The special address to blame: the first one that no CIDR rule opening this URL covers. */
  private Optional<AddressClassifier.Classified> firstUncovered(HttpUrl url, List<AddressClassifier.Classified> classified) {
    for (AddressClassifier.Classified c : classified) {
      if (c.isPublic()) {
        continue;
      }
      boolean covered = false;
      for (AllowRule rule : rules) {
        if (rule.cidr().isPresent() && rule.opens(url)
            && (rule.cidr().get().contains(c.connectTo()) || rule.cidr().get().contains(c.address()))) {
          covered = true;
          break;
        }
      }
      if (!covered) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  static boolean isSpecialName(String host) {
    return SPECIAL_NAMES.contains(host) || host.endsWith(".localhost");
  }

  private static Mode modeOf(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "enforce" -> Mode.ENFORCE;
      case "report" -> Mode.REPORT;
      default -> throw new PolicyException("network.mode must be 'enforce' or 'report', got '" + s + "'");
    };
  }

  private static void checkKeys(JsonNode node, String where, Set<String> allowed) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!allowed.contains(n)) {
        throw new PolicyException(where + " has unknown key '" + n + "'; allowed: " + new java.util.TreeSet<>(allowed));
      }
    }
  }

  private static String text(JsonNode n, String where) {
    if (n == null || !(n.isTextual() || n.isNumber())) {
      throw new PolicyException(where + " must be a string");
    }
    return n.asText();
  }

  private static List<String> strings(JsonNode n, String where) {
    if (!n.isArray()) {
      throw new PolicyException(where + " must be a list");
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    for (JsonNode e : n) {
      out.add(text(e, where + "[" + i++ + "]"));
    }
    return out;
  }

  /** One allow entry under construction; see {@link NetworkPolicy#fromJson} for the meaning. */
  public static final class RuleSpec {
    private Optional<String> id = Optional.empty();
    private Optional<String> host = Optional.empty();
    private Optional<String> cidr = Optional.empty();
    private List<String> schemes = List.of("https");
    private List<String> ports = List.of();
    private List<String> http = List.of();

    public RuleSpec id(String value) {
      this.id = Optional.of(value);
      return this;
    }

    private void host(String pattern) {
      this.host = Optional.of(pattern);
    }

    private void cidr(String range) {
      this.cidr = Optional.of(range);
    }

    public static RuleSpec forHost(String pattern) {
      RuleSpec s = new RuleSpec();
      s.host(pattern);
      return s;
    }

    public static RuleSpec forCidr(String range) {
      RuleSpec s = new RuleSpec();
      s.cidr(range);
      return s;
    }

    public RuleSpec schemes(List<String> values) {
      this.schemes = List.copyOf(values);
      return this;
    }

    public RuleSpec schemes(String... values) {
      return schemes(List.of(values));
    }

    public RuleSpec ports(List<String> values) {
      this.ports = List.copyOf(values);
      return this;
    }

    public RuleSpec ports(int... values) {
      List<String> l = new ArrayList<>();
      for (int v : values) {
        l.add(Integer.toString(v));
      }
      return ports(l);
    }

    public RuleSpec anyPort() {
      return ports(List.of("*"));
    }

    public RuleSpec http(String... rules) {
      this.http = List.of(rules);
      return this;
    }

    public RuleSpec http(List<String> rules) {
      this.http = List.copyOf(rules);
      return this;
    }
  }

  /** Builds a policy; validates every entry, and {@link #build()} compiles it. */
  public static final class Builder {
    private Mode mode = Mode.ENFORCE;
    private final List<RuleSpec> specs = new ArrayList<>();

    private Builder() {}

    public Builder mode(Mode value) {
      this.mode = value;
      return this;
    }

    public Builder allow(RuleSpec spec) {
      specs.add(spec);
      return this;
    }

    /** Compiles the rules; throws {@link PolicyException} naming the first bad one. */
    public NetworkPolicy build() {
      List<AllowRule> compiled = new ArrayList<>();
      Set<String> ids = new java.util.HashSet<>();
      for (int i = 0; i < specs.size(); i++) {
        RuleSpec s = specs.get(i);
        String where = "network.allow[" + i + "]";
        String id = s.id.orElse(where);
        if (!id.matches("[A-Za-z0-9_.\\[\\]-]{1,100}")) {
          throw new PolicyException(where + ".id must be 1-100 letters, digits, '_', '-', '.'");
        }
        if (!ids.add(id)) {
          throw new PolicyException(where + " repeats rule id '" + id + "'");
        }
        if (s.host.isPresent() == s.cidr.isPresent()) {
          throw new PolicyException(where + " needs exactly one of host and cidr");
        }
        Set<String> schemes = new LinkedHashSet<>();
        for (String sc : s.schemes) {
          String l = sc.toLowerCase(Locale.ROOT);
          if (!l.equals("http") && !l.equals("https")) {
            throw new PolicyException(where + ".schemes: '" + sc + "' is not allowed; only http and https");
          }
          schemes.add(l);
        }
        if (schemes.isEmpty()) {
          throw new PolicyException(where + ".schemes must not be empty");
        }
        PortSet ports;
        List<HttpRule> http = new ArrayList<>();
        try {
          ports = PortSet.of(s.ports);
          for (String h : s.http) {
            http.add(HttpRule.parse(h));
          }
        } catch (PolicyException e) {
          throw new PolicyException(where + ": " + e.getMessage(), e);
        }
        Optional<Cidr> cidr = Optional.empty();
        Optional<String> host = Optional.empty();
        if (s.cidr.isPresent()) {
          try {
            cidr = Optional.of(Cidr.parse(s.cidr.get()));
          } catch (PolicyException e) {
            throw new PolicyException(where + ".cidr: " + e.getMessage(), e);
          }
        } else {
          host = Optional.of(canonicalHostPattern(s.host.get(), where));
        }
        compiled.add(new AllowRule(id, host, cidr, Set.copyOf(schemes), ports, List.copyOf(http)));
      }
      return new NetworkPolicy(mode, compiled);
    }

    /** Host patterns go through the URL parser, so they are compared in the same form. */
    private static String canonicalHostPattern(String pattern, String where) {
      if (pattern.equals("*")) {
        return pattern;
      }
      boolean wildcard = pattern.startsWith("*.");
      String h = wildcard ? pattern.substring(2) : pattern;
      if (h.contains("*")) {
        throw new PolicyException(where + ".host: '*' is allowed only as '*' or a leading '*.'");
      }
      HttpUrl u;
      try {
        u = HttpUrl.parse("http://" + (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + "/");
      } catch (InvalidUrlException e) {
        throw new PolicyException(where + ".host '" + pattern + "' is not a valid host: " + e.getMessage(), e);
      }
      if (wildcard && u.ipLiteral().isPresent()) {
        throw new PolicyException(where + ".host: a wildcard needs a domain name, not an address");
      }
      return wildcard ? "*." + u.host() : u.host();
    }
  }

  /** For corpus evaluations: every public destination, any scheme and port. */
  static NetworkPolicy anyPublicDestination() {
    return builder().allow(RuleSpec.forHost("*").schemes("http", "https").anyPort().id("any_public")).build();
  }

  @Override
  public String toString() {
    return "NetworkPolicy[mode=" + mode + ", rules=" + rules.size() + "]";
  }

  // Exposed for the benchmark and tests in this package.
  List<AllowRule> rules() {
    return rules;
  }
}
