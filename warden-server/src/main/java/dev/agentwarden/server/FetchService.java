package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.policy.Policy;
import dev.agentwarden.core.vault.BrokeredSecret;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.egress.CredentialInjector;
import dev.agentwarden.egress.EgressClient;
import dev.agentwarden.egress.EgressException;
import dev.agentwarden.egress.EgressRequest;
import dev.agentwarden.egress.EgressResponse;
import dev.agentwarden.egress.SystemResolver;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.StoredPolicy;
import dev.agentwarden.store.Vault;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code POST /v1/actions/fetch}: an agent's outbound HTTP request, through guarded egress under
 * the tenant's {@code default} policy. The response is returned as data (for the content
 * scanners to wrap); a brokered secret ({@code "secret": "vault://name"}) is injected only for a
 * destination that passed the policy and the secret's own host list, and scrubbed from the
 * response. Every hop's decision is logged and appended to the tenant's audit chain.
 */
final class FetchService implements ApiService {
  static final String POLICY = TenantPolicies.DEFAULT;
  private static final long MAX_RESPONSE_BYTES = 5L * 1024 * 1024;

  private final TenantPolicies policies;
  private final Vault vault;
  private final AuditLog audit;
  private final RequestLog log;

  FetchService(TenantPolicies policies, Vault vault, AuditLog audit, RequestLog log) {
    this.policies = policies;
    this.vault = vault;
    this.audit = audit;
    this.log = log;
  }

  record FetchRequest(
      String url,
      Optional<String> method,
      Optional<Map<String, String>> headers,
      Optional<String> body,
      Optional<String> secret,
      Optional<Boolean> followRedirects) {
    FetchRequest {
      Fields.require(url, "url");
    }
  }

  /**
   * What the upstream answered. {@code body} is UTF-8 text, or base64 when {@code bodyEncoding}
   * says so; {@code connectedTo} is the checked address the connection went to.
   */
  record FetchResult(
      int status,
      Map<String, List<String>> headers,
      String body,
      String bodyEncoding,
      String url,
      String connectedTo,
      int redirects,
      String policy,
      int policyVersion,
      String rule) {}

  @Override
  public void routes(RouteTable t) {
    t.add("POST", "/v1/actions/fetch", Roles.AGENT, req -> {
      FetchRequest in = req.body(FetchRequest.class);
      TenantPolicies.Loaded loaded = policies.latest(req.tenant(), POLICY)
          .orElseThrow(() -> ApiException.forbidden("egress_denied",
              "the tenant has no policy named '" + POLICY + "', so nothing may be fetched"));
      StoredPolicy stored = loaded.stored();
      Policy policy = loaded.policy();

      List<BrokeredSecret> brokered = new CopyOnWriteArrayList<>();
      CredentialInjector injector = CredentialInjector.none();
      if (in.secret().isPresent()) {
        SecretRef ref = SecretRef.parse(in.secret().get());
        injector = destination -> {
          BrokeredSecret s = vault.broker(req.tenant(), ref, destination.url().host());
          brokered.add(s);
          return Map.of(s.headerName(), s.headerValue());
        };
      }
      List<String> rules = new CopyOnWriteArrayList<>();
      EgressClient client = EgressClient.builder(policy.network())
          .resolver(SystemResolver.instance())
          .credentials(injector)
          .listener((hop, method, url, decision) -> {
            rules.add(decision.decision().ruleId());
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("request_id", req.requestId());
            f.put("tenant", req.tenant().toString());
            f.put("key_id", req.principal().keyId().toString());
            f.put("hop", hop);
            f.put("method", method);
            f.put("host", url.map(u -> u.host()).orElse("(invalid url)"));
            f.put("verdict", decision.decision().verdict().name().toLowerCase(Locale.ROOT));
            f.put("rule", decision.decision().ruleId());
            f.put("policy", POLICY + "@" + stored.version());
            decision.destination().ifPresent(d -> f.put("connected_to", d.address().toString()));
            decision.waived().ifPresent(w -> f.put("waived_rule", w.ruleId()));
            log.event(decision.allowed() ? "info" : "warn", "egress_decision", f);
            // Every hop's decision joins the tenant's audit chain before anything is sent; if
            // it cannot be recorded, the request fails rather than going out unaudited.
            ObjectNode event = Json.MAPPER.createObjectNode();
            event.put("action", "fetch");
            event.put("request_id", req.requestId());
            event.put("hop", hop);
            event.put("method", method);
            event.put("host", url.map(u -> u.host()).orElse("(invalid url)"));
            event.put("decision", decision.allowed() ? "allow" : "deny");
            event.put("rule", decision.decision().ruleId());
            event.put("reason", decision.decision().reason());
            event.put("policy", POLICY);
            event.put("policy_version", stored.version());
            event.put("policy_sha256", stored.sha256());
            decision.destination().ifPresent(d -> event.put("connected_to", d.address().toString()));
            decision.waived().ifPresent(w -> event.put("waived_rule", w.ruleId()));
            audit.append(req.tenant(), req.principal().actor(), AuditEventType.POLICY_DECIDED, event);
          })
          .followRedirects(in.followRedirects().orElse(false) ? EgressClient.MAX_REDIRECTS : 0)
          .maxResponseBytes(MAX_RESPONSE_BYTES)
          .connectTimeout(Duration.ofSeconds(10))
          .readTimeout(Duration.ofSeconds(30))
          .totalTimeout(Duration.ofSeconds(60))
          .build();

      List<Map.Entry<String, String>> headers = new ArrayList<>();
      in.headers().ifPresent(h -> h.forEach((k, v) -> headers.add(Map.entry(k, v))));
      byte[] body = in.body().map(b -> b.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
      EgressResponse r;
      try {
        r = client.send(new EgressRequest(in.method().orElse("GET"), in.url(), headers, body));
      } catch (EgressException e) {
        throw problem(e);
      }
      return ApiResponse.ok(result(r, brokered, stored, rules));
    });
  }

  private static FetchResult result(EgressResponse r, List<BrokeredSecret> brokered, StoredPolicy stored, List<String> rules) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> h : r.headers()) {
      headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(scrub(h.getValue(), brokered));
    }
    byte[] bytes = r.body();
    Optional<String> text = utf8(bytes);
    String body = text.map(s -> scrub(s, brokered)).orElseGet(() -> Base64.getEncoder().encodeToString(bytes));
    if (text.isEmpty() && !brokered.isEmpty()) {
      // A binary body cannot be scrubbed reliably; refuse rather than risk echoing the secret.
      for (BrokeredSecret s : brokered) {
        if (s.occursIn(new String(bytes, StandardCharsets.ISO_8859_1))) {
          throw new ApiException(502, "egress_bad_response", "the upstream response contains the brokered secret");
        }
      }
    }
    return new FetchResult(
        r.status(), headers, body, text.isPresent() ? "utf-8" : "base64",
        r.destination().url().toString(), r.destination().address().toString(), r.redirects(),
        stored.name(), stored.version(), rules.isEmpty() ? "" : rules.get(rules.size() - 1));
  }

  private static String scrub(String text, List<BrokeredSecret> brokered) {
    String out = text;
    for (BrokeredSecret s : brokered) {
      out = s.scrub(out);
    }
    return out;
  }

  private static Optional<String> utf8(byte[] bytes) {
    try {
      return Optional.of(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  /** Egress failures as problems: denials 403, bad input 400, upstream trouble 502/504. */
  static ApiException problem(EgressException e) {
    int status = switch (e) {
      case EgressException.DestinationDenied d -> 403;
      case EgressException.InvalidRequest i -> 400;
      case EgressException.Timeout t -> 504;
      default -> 502;
    };
    return new ApiException(status, e.code(), e.getMessage());
  }
}
