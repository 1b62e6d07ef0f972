package dev.agentwarden.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.crypto.Sha256;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.json.CanonicalJson;
import dev.agentwarden.core.model.GuardedOutput;
import dev.agentwarden.core.model.ModelCallException;
import dev.agentwarden.core.model.OutputGuard;
import dev.agentwarden.core.model.OutputGuards;
import dev.agentwarden.core.model.PriceTable;
import dev.agentwarden.core.model.PromptPin;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.core.scan.ContentScanner;
import dev.agentwarden.core.scan.ContentSource;
import dev.agentwarden.core.scan.ScanKind;
import dev.agentwarden.core.scan.injection.Action;
import dev.agentwarden.core.scan.injection.UntrustedContent;
import dev.agentwarden.core.scan.injection.Verdict;
import dev.agentwarden.core.trust.TrustSubject;
import dev.agentwarden.core.vault.VaultException;
import dev.agentwarden.egress.EgressClient;
import dev.agentwarden.egress.EgressException;
import dev.agentwarden.egress.EgressStream;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.ModelBudgets;
import dev.agentwarden.store.ModelCallState;
import dev.agentwarden.store.Tx;
import java.sql.SQLException;
import dev.agentwarden.store.Provider;
import dev.agentwarden.store.ProviderRegistry;
import dev.agentwarden.store.TrustLedger;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The OpenAI-compatible model proxy: {@code POST /v1/chat/completions} and {@code GET
 * /v1/models} for agent keys. Each call runs: agent of the key → its provider and allowed models
 * → budgets (tenant and agent) → prompt drift check → injection scan of user and tool messages
 * with the agent's verdict settings → secret redaction of outgoing messages → provider call
 * through egress, which decrypts the provider key only at send time, after its destination check
 * ({@link CredentialBroker}) → output guards on the answer (streamed
 * through a sliding window) → usage accounting → one audit record.
 */
final class ModelProxyService implements ApiService {
  /** Upper bound of an upstream answer, streamed or not. */
  static final long MAX_ANSWER_BYTES = 16L * 1024 * 1024;
  private static final int MAX_ERROR_BYTES = 64 * 1024;

  private static final int MAX_CACHED_PROVIDERS = 10_000;

  private final ProviderRegistry providers;
  private final CredentialBroker credentials;
  private final Database db;
  private final StoreModelAgents agents;
  private final TenantPolicies policies;
  private final ContentScanner scanner;
  private final PriceTable prices;
  private final ModelCallAudit audit;
  private final TrustLedger trust;
  private final Clock clock;
  private final Map<String, ProviderAdapter> adapters;
  private final SecureRandom random = new SecureRandom();
  private final Duration readTimeout;
  /**
   * Provider rows by tenant and name. A cached row is used only after {@link ModelCallState}
   * showed, in the call's own transaction, that the row still has the same id and version; the
   * enabled flag is taken from that read, never from the cache.
   */
  private final Map<ProviderKey, Provider> providerCache = new ConcurrentHashMap<>();

  private record ProviderKey(TenantId tenant, String name) {}

  ModelProxyService(ProviderRegistry providers, CredentialBroker credentials, Database db, StoreModelAgents agents,
      TenantPolicies policies, ContentScanner scanner, PriceTable prices, ModelCallAudit audit, TrustLedger trust,
      Clock clock, Duration readTimeout) {
    this.providers = providers;
    this.credentials = credentials;
    this.db = db;
    this.agents = agents;
    this.policies = policies;
    this.scanner = scanner;
    this.prices = prices;
    this.audit = audit;
    this.trust = trust;
    this.clock = clock;
    this.readTimeout = readTimeout;
    OpenAiAdapter openAi = new OpenAiAdapter();
    this.adapters = Map.of("openai", openAi, "openai_compatible", openAi);
  }

  @Override
  public void routes(RouteTable t) {
    t.add("POST", "/v1/chat/completions", Roles.AGENT, this::chat);
    t.add("GET", "/v1/models", Roles.AGENT, this::models);
  }

  /** Everything one call needs after the agent and provider were resolved. */
  private record Call(ApiRequest req, ModelAgent agent, Provider provider, CredentialBroker.Brokering key,
      ProviderAdapter adapter, NetworkPolicy network, String model, boolean stream, boolean clientWantsUsage,
      ObjectNode record, Optional<ContentLog> content) {}

  /** What admission resolved for one call. */
  private record Admission(ModelAgent agent, Provider provider, CredentialBroker.Brokering key, ProviderAdapter adapter,
      NetworkPolicy network, boolean contentLogging) {}

  private ApiResponse chat(ApiRequest req) {
    ObjectNode record = JsonNodeFactory.instance.objectNode();
    record.put("request_id", req.requestId());
    // Which key made the call: the provider usage query lists agents and keys.
    record.put("key_id", req.principal().keyId().toString());
    AtomicReference<ModelAgent> agent = new AtomicReference<>();
    try {
      ObjectNode body = parseBody(req);
      String model = body.path("model").asText();
      record.put("model", model);
      boolean stream = body.path("stream").asBoolean(false);
      record.put("stream", stream);
      Admission admitted = admit(req, model, record, agent::set);
      ArrayNode messages = (ArrayNode) body.get("messages");
      checkDrift(admitted.agent(), messages);
      record.set("verdicts", screenInput(admitted.agent(), messages));
      record.put("redactions_in", redactOutgoing(messages));
      Optional<ContentLog> content = admitted.contentLogging()
          ? Optional.of(ContentLog.of(messages, scanner, record)) : Optional.empty();
      byte[] prompt = CanonicalJson.canonicalize(messages);
      record.put("prompt_sha256", sha256(prompt));
      record.put("prompt_chars", prompt.length);
      boolean wantsUsage = body.path("stream_options").path("include_usage").asBoolean(false);
      if (stream) {
        body.withObject("stream_options").put("include_usage", true);
      }
      Call call = new Call(req, admitted.agent(), admitted.provider(), admitted.key(), admitted.adapter(),
          admitted.network(), model, stream, wantsUsage, record, content);
      return stream ? streamed(call, body) : whole(call, body);
    } catch (RuntimeException e) {
      ApiException problem = Problems.classify(e);
      record.put("outcome", "refused");
      record.put("code", problem.code());
      recordCall(req, Optional.ofNullable(agent.get()), record);
      throw problem.status() >= 500 && !(e instanceof ApiException) ? e : problem;
    }
  }

  private ModelAgent agentOf(ApiRequest req) {
    ModelAgent agent = agents.forKey(req.tenant(), req.principal().keyId()).orElseThrow(() ->
        ApiException.forbidden("agent_not_linked", "this agent key is not linked to an agent"));
    if (!agent.enabled()) {
      throw ApiException.forbidden("agent_disabled", "agent " + agent.name() + " is disabled");
    }
    return agent;
  }

  private static ObjectNode parseBody(ApiRequest req) {
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(req.rawBody());
    } catch (IOException e) {
      throw ApiException.badRequest("invalid_json", "the body is not valid JSON");
    }
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest("invalid_request", "the body must be a JSON object");
    }
    if (!body.path("model").isTextual() || body.path("model").asText().isEmpty()) {
      throw ApiException.badRequest("invalid_request", "'model' must be a non-empty string");
    }
    if (!body.path("messages").isArray() || body.path("messages").isEmpty()) {
      throw ApiException.badRequest("invalid_request", "'messages' must be a non-empty array");
    }
    for (JsonNode m : body.get("messages")) {
      if (!m.isObject() || !m.path("role").isTextual()) {
        throw ApiException.badRequest("invalid_request", "every message must be an object with a 'role'");
      }
    }
    if (body.has("stream") && !body.get("stream").isBoolean()) {
      throw ApiException.badRequest("invalid_request", "'stream' must be a boolean");
    }
    return (ObjectNode) body;
  }

  /**
   * Everything a call needs from the database before the provider is called, in one
   * transaction: the agent of the key and its provider (cached rows, valid only while their
   * versions match what {@link ModelCallState} reads; the agent's and the provider's enabled
   * flags are always read), the model check, the upstream network policy, and the budgets, which count the
   * request. A refusal inside rolls everything back, so a refused call is not counted.
   */
  private Admission admit(ApiRequest req, String model, ObjectNode record, Consumer<ModelAgent> seen) {
    Instant now = clock.instant();
    return db.inTenant(req.tenant(), tx -> {
      ModelCallState state = ModelCallState.read(tx, req.principal().keyId(), TenantPolicies.DEFAULT,
          trust.evidenceSince(now)).orElseThrow(() ->
          ApiException.forbidden("agent_not_linked", "this agent key is not linked to an agent"));
      ModelAgent agent = agents.current(tx, req.principal().keyId(), state);
      seen.accept(agent);
      record.put("agent_id", agent.id().toString());
      record.put("agent", agent.name());
      // The incident switch: read in this transaction, never from the cached row.
      if (!state.agentEnabled()) {
        throw ApiException.forbidden("agent_disabled", "agent " + agent.name() + " is disabled");
      }
      Provider provider = providerFor(tx, agent, state, model);
      record.put("provider", provider.name());
      record.put("provider_id", provider.id().toString());
      refuseIfLowTrust(tx, state, provider);
      ProviderAdapter adapter = adapters.get(provider.kind());
      if (adapter == null) {
        throw new ApiException(501, "provider_kind_unsupported",
            "providers of kind " + provider.kind() + " cannot serve chat completions yet");
      }
      NetworkPolicy network = policies.defaultNetwork(tx, state.defaultPolicySha256());
      List<ModelBudgets.Budget> budgets = List.of(state.tenantBudget(),
          new ModelBudgets.Budget(ModelBudgets.agent(agent.id()), agent.budget().requestsPerMinute(),
              agent.budget().tokensPerDay(), agent.budget().spendPerMonthMicros()));
      Optional<ModelBudgets.Exhausted> exhausted = ModelBudgets.admit(tx, budgets, now);
      if (exhausted.isPresent()) {
        ModelBudgets.Exhausted x = exhausted.get();
        long retry = Math.max(1, Duration.between(now, x.resetsAt()).toSeconds());
        // Thrown inside the transaction: nothing of this request is counted.
        throw new ApiException(429, "budget_exhausted",
            "the " + (x.scope().equals(ModelBudgets.TENANT) ? "tenant" : "agent") + " budget " + x.limit() + " ("
                + x.value() + ") is used up until " + x.resetsAt(), Map.of("Retry-After", Long.toString(retry)));
      }
      // Read now, still encrypted; decrypted by egress only for the provider's checked host.
      CredentialBroker.Brokering key = credentials.provider(tx, provider);
      return new Admission(agent, provider, key, adapter, network, state.contentLogging());
    });
  }

  private Provider providerFor(Tx tx, ModelAgent agent, ModelCallState state, String model) throws SQLException {
    String name = agent.provider().orElseThrow(() ->
        ApiException.forbidden("agent_has_no_provider", "agent " + agent.name() + " has no model provider"));
    if (state.providerId().isEmpty() || state.providerUpdatedAt().isEmpty()) {
      throw new VaultException("provider_not_found", "no provider named " + shown(name));
    }
    ProviderKey k = new ProviderKey(tx.tenant(), name);
    Provider provider = providerCache.get(k);
    if (provider == null || !provider.id().equals(state.providerId().get())
        || !provider.updatedAt().equals(state.providerUpdatedAt().get())) {
      provider = ProviderRegistry.find(tx, name).orElseThrow(() ->
          new VaultException("provider_not_found", "no provider named " + shown(name)));
      if (providerCache.size() >= MAX_CACHED_PROVIDERS) {
        providerCache.clear();
      }
      providerCache.put(k, provider);
    }
    // The incident switch: read in this transaction, so a disabled provider fails at once everywhere.
    if (!state.providerEnabled() || !provider.enabled()) {
      throw new VaultException("provider_disabled", "provider " + provider.name() + " is disabled");
    }
    boolean agentAllows = agent.models().isEmpty() || agent.models().contains(model);
    if (!agentAllows || !provider.allowsModel(model)) {
      throw ApiException.forbidden("model_not_allowed", "agent " + agent.name() + " may not call model " + shown(model));
    }
    return provider;
  }

  /**
   * A provider whose trust score fell below the tenant's threshold serves no calls: a model call
   * cannot wait for a human's approval the way a tool call does, so it is refused. Refusals are no
   * evidence against the provider, so the score recovers as its evidence decays, and calls resume
   * by themselves (or at once when an administrator lowers the threshold).
   */
  private void refuseIfLowTrust(Tx tx, ModelCallState state, Provider provider) throws SQLException {
    if (!state.providerHasTrustEvidence()) {
      return;
    }
    Optional<TrustLedger.Low> low = trust.below(tx, List.of(TrustSubject.provider(provider.name())));
    if (low.isPresent()) {
      throw ApiException.forbidden("provider_trust_low", "the trust score of provider " + provider.name() + " is "
          + low.get().score().value() + ", below the tenant's threshold " + low.get().threshold().value()
          + " (GET /v1/trust/providers/" + provider.name() + " shows why); calls resume when the score recovers"
          + " or an administrator lowers the threshold");
    }
  }

  private static void checkDrift(ModelAgent agent, ArrayNode messages) {
    List<String> system = new ArrayList<>();
    for (JsonNode m : messages) {
      String role = m.path("role").asText();
      if (role.equals("system") || role.equals("developer")) {
        system.add(text(m.get("content")));
      }
    }
    try {
      PromptPin.of(agent.systemPromptSha256()).check(system);
    } catch (ModelCallException e) {
      throw ApiException.forbidden(e.code(), e.getMessage());
    }
  }

  /** Injection verdicts of user and tool messages; blocks, or wraps quarantined content as data. */
  private ArrayNode screenInput(ModelAgent agent, ArrayNode messages) {
    ContentScanner s = scanner.withPolicy(agent.injection());
    ArrayNode verdicts = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < messages.size(); i++) {
      ObjectNode m = (ObjectNode) messages.get(i);
      String role = m.path("role").asText();
      ContentSource source = switch (role) {
        case "user" -> ContentSource.USER;
        case "tool", "function" -> ContentSource.TOOL_OUTPUT;
        default -> null;
      };
      if (source == null) {
        continue;
      }
      String content = text(m.get("content"));
      Verdict v = s.scan(content, EnumSet.of(ScanKind.INJECTION), source).verdict().orElseThrow();
      if (v.action() == Action.ALLOW) {
        continue;
      }
      ObjectNode entry = verdicts.addObject();
      entry.put("message", i);
      entry.put("source", source.label());
      entry.put("action", v.action().label());
      entry.put("score", Math.round(v.score() * 1000) / 1000.0);
      if (v.action() == Action.BLOCK) {
        throw ApiException.badRequest("injection_blocked",
            "message " + i + " (" + role + ") reads as a prompt injection and was blocked: " + String.join("; ", v.reasons()));
      }
      if (v.action() == Action.QUARANTINE) {
        m.put("content", UntrustedContent.wrap(content, source, random).text());
      }
    }
    return verdicts;
  }

  /** Redacts secrets in every outgoing message except the pinned system prompt; returns the count. */
  private int redactOutgoing(ArrayNode messages) {
    int count = 0;
    for (JsonNode node : messages) {
      ObjectNode m = (ObjectNode) node;
      String role = m.path("role").asText();
      if (role.equals("system") || role.equals("developer")) {
        continue;
      }
      JsonNode content = m.get("content");
      if (content != null && content.isTextual()) {
        String r = scanner.redactSecrets(content.asText());
        if (!r.equals(content.asText())) {
          m.put("content", r);
          count++;
        }
      } else if (content != null && content.isArray()) {
        for (JsonNode part : content) {
          if (part.isObject() && part.path("text").isTextual()) {
            String r = scanner.redactSecrets(part.get("text").asText());
            if (!r.equals(part.get("text").asText())) {
              ((ObjectNode) part).put("text", r);
              count++;
            }
          }
        }
      }
      for (JsonNode tc : m.path("tool_calls")) {
        JsonNode fn = tc.path("function");
        if (fn.isObject() && fn.path("arguments").isTextual()) {
          String r = scanner.redactSecrets(fn.get("arguments").asText());
          if (!r.equals(fn.get("arguments").asText())) {
            ((ObjectNode) fn).put("arguments", r);
            count++;
          }
        }
      }
    }
    return count;
  }

  // ---- the provider call ----------------------------------------------------------------

  private EgressClient client(TenantId tenant, NetworkPolicy network, Provider provider,
      CredentialBroker.Brokering key) {
    String host = provider.baseUrl().getHost();
    return EgressClient.builder(network)
        // Connections to the provider are kept for the tenant's next call (never another
        // tenant's): a call skips connecting, and the key still goes into every request anew.
        .reuseConnections(tenant.toString())
        // The key goes only to the provider's own host; the vault decrypts it inside the egress
        // step, after egress checked the destination and the secret's allowed_hosts admitted it.
        .credentials(d -> d.url().host().equalsIgnoreCase(host) ? key.headersFor(d) : Map.of())
        .maxResponseBytes(MAX_ANSWER_BYTES)
        .readTimeout(readTimeout)
        .totalTimeout(Duration.ofMinutes(10))
        .build();
  }

  private ApiResponse whole(Call call, ObjectNode body) {
    CredentialBroker.Brokering key = call.key();
    long started = System.nanoTime();
    dev.agentwarden.egress.EgressResponse r;
    try {
      r = client(call.req().tenant(), call.network(), call.provider(), key).send(call.adapter().chatRequest(call.provider(), body));
    } catch (EgressException e) {
      throw upstreamFailure(e);
    }
    call.record().put("upstream_status", r.status());
    call.record().put("upstream_ms", (System.nanoTime() - started) / 1_000_000);
    if (r.status() / 100 != 2) {
      throw upstreamError(r.status(), r.body(), key);
    }
    ObjectNode answer;
    try {
      answer = call.adapter().toOpenAi((ObjectNode) Json.MAPPER.readTree(r.body()));
    } catch (IOException | ClassCastException e) {
      throw new ApiException(502, "upstream_bad_response", "the provider's answer is not a JSON object");
    }
    List<OutputGuard> guards = guards(key);
    List<String> rules = new ArrayList<>();
    for (JsonNode choice : answer.path("choices")) {
      JsonNode message = choice.path("message");
      if (!message.isObject()) {
        continue;
      }
      if (message.path("content").isTextual()) {
        ((ObjectNode) message).put("content", guardWhole(guards, message.get("content").asText(), rules));
      }
      for (JsonNode tc : message.path("tool_calls")) {
        JsonNode fn = tc.path("function");
        if (fn.path("arguments").isTextual()) {
          ((ObjectNode) fn).put("arguments", guardWhole(guards, fn.get("arguments").asText(), rules));
        }
      }
    }
    call.content().ifPresent(c -> c.answer(answer, key));
    // Anything else the upstream put in its answer is scrubbed of the key as well.
    byte[] out = key.scrub(new String(Json.write(answer), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    long promptTokens = answer.path("usage").path("prompt_tokens").asLong(0);
    long completionTokens = answer.path("usage").path("completion_tokens").asLong(0);
    finish(call, promptTokens, completionTokens, false, sha256(out), rules, "ok");
    return new ApiResponse(200, "application/json", out, Map.of(), Optional.empty());
  }

  private static String guardWhole(List<OutputGuard> guards, String text, List<String> rules) {
    GuardedOutput g = GuardedOutput.of(guards);
    GuardedOutput.Result res = g.whole(text);
    if (res instanceof GuardedOutput.Result.Blocked b) {
      throw new ApiException(502, b.code(), b.reason());
    }
    rules.addAll(g.rulesHit());
    return ((GuardedOutput.Result.Deliver) res).text();
  }

  /** Called after the request was sent, so the key released for it is known. */
  private List<OutputGuard> guards(CredentialBroker.Brokering key) {
    List<OutputGuard> guards = new ArrayList<>(List.of(OutputGuards.secretRedaction(scanner)));
    key.released().forEach(s -> guards.add(OutputGuards.brokeredKey(s)));
    return List.copyOf(guards);
  }

  private ApiResponse streamed(Call call, ObjectNode body) {
    CredentialBroker.Brokering key = call.key();
    EgressStream up;
    try {
      up = client(call.req().tenant(), call.network(), call.provider(), key).open(call.adapter().chatRequest(call.provider(), body));
    } catch (EgressException e) {
      throw upstreamFailure(e);
    }
    call.record().put("upstream_status", up.status());
    if (up.status() / 100 != 2) {
      try (up) {
        byte[] err = up.body().readNBytes(MAX_ERROR_BYTES);
        throw upstreamError(up.status(), err, key);
      } catch (IOException | EgressException e) {
        throw upstreamError(up.status(), new byte[0], key);
      }
    }
    return ApiResponse.stream(200, "text/event-stream", out -> {
      try (up) {
        new StreamRelay(call, key, guards(key), out).run(up);
      }
    }).withHeader("X-Accel-Buffering", "no");
  }

  /**
   * Relays server-sent events from the upstream to the agent, guarding text deltas per choice
   * (and per tool call) through a sliding window. Ends with {@code data: [DONE]}, or with one
   * error event when a guard blocks or the upstream fails.
   */
  private final class StreamRelay {
    private final Call call;
    private final CredentialBroker.Brokering key;
    private final List<OutputGuard> guards;
    private final OutputStream out;
    private final Map<String, GuardedOutput> outputs = new TreeMap<>();
    private final Sha256 delivered = Sha256.newHasher();
    private long promptTokens;
    private long completionTokens;
    private boolean usageSeen;
    private long deliveredChars;
    /** Set while a write to the agent is under way: a failure then means the agent hung up. */
    private boolean clientGone;

    StreamRelay(Call call, CredentialBroker.Brokering key, List<OutputGuard> guards, OutputStream out) {
      this.call = call;
      this.key = key;
      this.guards = guards;
      this.out = out;
    }

    void run(EgressStream up) throws IOException {
      String outcome = "ok";
      try {
        outcome = pump(new BufferedReader(new InputStreamReader(up.body(), StandardCharsets.UTF_8)));
      } catch (EgressException e) {
        outcome = e instanceof EgressException.Timeout ? "upstream_timeout" : "upstream_disconnected";
        // What the guards already passed is delivered before the stream ends.
        Optional<String> blocked = flushAll();
        if (blocked.isPresent()) {
          outcome = blocked.get();
          return;
        }
        writeError(outcome, e instanceof EgressException.Timeout
            ? "the provider did not answer in time; the stream was ended"
            : "the provider's stream broke off; the stream was ended");
      } catch (IOException | UncheckedIOException e) {
        // The agent hung up: the upstream stream is closed by the caller (try-with-resources),
        // and what was delivered so far is accounted and recorded as a partial call.
        outcome = "client_disconnected";
        throw e;
      } catch (RuntimeException e) {
        // The web server reports a write to an agent that hung up as its own unchecked exception.
        if (clientGone) {
          outcome = "client_disconnected";
        }
        throw e;
      } finally {
        List<String> rules = new ArrayList<>();
        outputs.values().forEach(g -> rules.addAll(g.rulesHit()));
        if (!usageSeen) {
          // The upstream sent no usage: estimate (about four characters a token) and say so.
          promptTokens = Math.max(1, call.record().path("prompt_chars").asLong(0) / 4);
          completionTokens = deliveredChars / 4;
        }
        finish(call, promptTokens, completionTokens, !usageSeen, HexFormat.of().formatHex(delivered.digest()), rules,
            outcome);
      }
    }

    /** Returns the outcome; writes the end of the stream in every case but a client hang-up. */
    private String pump(BufferedReader in) throws IOException {
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isEmpty()) {
          if (line.startsWith("data:")) {
            if (!data.isEmpty()) {
              data.append('\n');
            }
            data.append(line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5));
          }
          continue;
        }
        if (data.isEmpty()) {
          continue;
        }
        String event = data.toString();
        data.setLength(0);
        if (event.equals("[DONE]")) {
          Optional<String> blocked = flushAll();
          if (blocked.isPresent()) {
            return blocked.get();
          }
          write("[DONE]");
          return "ok";
        }
        Optional<String> stop = relay(event);
        if (stop.isPresent()) {
          return stop.get();
        }
      }
      Optional<String> blocked = flushAll();
      if (blocked.isPresent()) {
        return blocked.get();
      }
      writeError("upstream_disconnected", "the provider's stream ended without finishing; the stream was ended");
      return "upstream_disconnected";
    }

    /** Handles one upstream chunk; a present result ends the stream with that outcome. */
    private Optional<String> relay(String event) throws IOException {
      ObjectNode chunk;
      try {
        chunk = call.adapter().toOpenAi((ObjectNode) Json.MAPPER.readTree(event));
      } catch (JsonProcessingException | ClassCastException e) {
        writeError("upstream_bad_response", "the provider sent an event that is not a JSON object");
        return Optional.of("upstream_bad_response");
      }
      if (chunk.has("error")) {
        String message = clean(chunk.path("error").path("message").asText("the provider reported an error"));
        writeError("upstream_error", "the provider reported an error: " + message);
        return Optional.of("upstream_error");
      }
      if (chunk.path("usage").isObject()) {
        usageSeen = true;
        promptTokens = chunk.path("usage").path("prompt_tokens").asLong(0);
        completionTokens = chunk.path("usage").path("completion_tokens").asLong(0);
        if (!call.clientWantsUsage()) {
          chunk.remove("usage");
          if (chunk.path("choices").isEmpty()) {
            return Optional.empty();
          }
        }
      }
      for (JsonNode choice : chunk.path("choices")) {
        int index = choice.path("index").asInt(0);
        ObjectNode delta = choice.path("delta").isObject() ? (ObjectNode) choice.get("delta") : null;
        if (delta != null && delta.path("content").isTextual()) {
          GuardedOutput.Result r = output("c" + index).push(delta.get("content").asText());
          if (!deliver("c" + index, r, text -> delta.put("content", text))) {
            return Optional.of(blockedCode(r));
          }
        }
        if (delta != null) {
          for (JsonNode tc : delta.path("tool_calls")) {
            JsonNode fn = tc.path("function");
            if (fn.path("arguments").isTextual()) {
              String id = "t" + index + "." + tc.path("index").asInt(0);
              GuardedOutput.Result r = output(id).push(fn.get("arguments").asText());
              if (!deliver(id, r, text -> ((ObjectNode) fn).put("arguments", text))) {
                return Optional.of(blockedCode(r));
              }
            }
          }
        }
        if (choice.hasNonNull("finish_reason")) {
          Optional<String> blocked = flushChoice(index, (ObjectNode) choice);
          if (blocked.isPresent()) {
            return blocked;
          }
        }
      }
      write(key.scrub(new String(Json.write(chunk), StandardCharsets.UTF_8)));
      return Optional.empty();
    }

    private GuardedOutput output(String id) {
      return outputs.computeIfAbsent(id, k -> GuardedOutput.of(guards));
    }

    /** Puts released text into the chunk; false (after writing the error event) when blocked. */
    private boolean deliver(String id, GuardedOutput.Result r, Consumer<String> put) throws IOException {
      switch (r) {
        case GuardedOutput.Result.Deliver d -> {
          put.accept(d.text());
          call.content().ifPresent(c -> c.delivered(id, key.scrub(d.text())));
          delivered.update(d.text().getBytes(StandardCharsets.UTF_8));
          deliveredChars += d.text().length();
          return true;
        }
        case GuardedOutput.Result.Blocked b -> {
          writeError(b.code(), b.reason());
          return false;
        }
      }
    }

    private static String blockedCode(GuardedOutput.Result r) {
      return r instanceof GuardedOutput.Result.Blocked b ? b.code() : "output_blocked";
    }

    /** Releases what the window still holds for one choice into its finishing chunk. */
    private Optional<String> flushChoice(int index, ObjectNode choice) throws IOException {
      ObjectNode delta = choice.withObject("delta");
      GuardedOutput content = outputs.remove("c" + index);
      if (content != null) {
        GuardedOutput.Result r = content.finish();
        String prefix = delta.path("content").asText("");
        if (!deliver("c" + index, r, text -> delta.put("content", prefix + text))) {
          return Optional.of(blockedCode(r));
        }
        outputs.put("done.c" + index, content);
      }
      for (String id : List.copyOf(outputs.keySet())) {
        if (!id.startsWith("t" + index + ".")) {
          continue;
        }
        GuardedOutput args = Objects.requireNonNull(outputs.remove(id));
        GuardedOutput.Result r = args.finish();
        int tool = Integer.parseInt(id.substring(id.indexOf('.') + 1));
        ArrayNode calls = delta.withArray("tool_calls");
        ObjectNode target = null;
        for (JsonNode tc : calls) {
          if (tc.path("index").asInt(0) == tool) {
            target = (ObjectNode) tc;
          }
        }
        if (target == null) {
          target = calls.addObject().put("index", tool);
        }
        ObjectNode fn = target.withObject("function");
        String prefix = fn.path("arguments").asText("");
        if (!deliver(id, r, text -> fn.put("arguments", prefix + text))) {
          return Optional.of(blockedCode(r));
        }
        outputs.put("done." + id, args);
      }
      return Optional.empty();
    }

    /** At [DONE]: choices the upstream never finished still get their held text. */
    private Optional<String> flushAll() throws IOException {
      for (String id : List.copyOf(outputs.keySet())) {
        if (id.startsWith("done.")) {
          continue;
        }
        GuardedOutput g = Objects.requireNonNull(outputs.remove(id));
        GuardedOutput.Result r = g.finish();
        outputs.put("done." + id, g);
        ObjectNode chunk = JsonNodeFactory.instance.objectNode();
        chunk.put("object", "chat.completion.chunk");
        chunk.put("model", call.model());
        ObjectNode choice = chunk.putArray("choices").addObject();
        ObjectNode delta = choice.putObject("delta");
        if (id.startsWith("c")) {
          choice.put("index", Integer.parseInt(id.substring(1)));
          if (!deliver(id, r, text -> delta.put("content", text))) {
            return Optional.of(blockedCode(r));
          }
        } else {
          choice.put("index", Integer.parseInt(id.substring(1, id.indexOf('.'))));
          ObjectNode fn = delta.putArray("tool_calls").addObject()
              .put("index", Integer.parseInt(id.substring(id.indexOf('.') + 1))).putObject("function");
          if (!deliver(id, r, text -> fn.put("arguments", text))) {
            return Optional.of(blockedCode(r));
          }
        }
        write(new String(Json.write(chunk), StandardCharsets.UTF_8));
      }
      return Optional.empty();
    }

    private void write(String data) throws IOException {
      clientGone = true;
      out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      clientGone = false;
    }

    /** The last event of a stream that cannot finish: OpenAI clients raise it as an API error. */
    private void writeError(String code, String message) throws IOException {
      ObjectNode e = JsonNodeFactory.instance.objectNode();
      ObjectNode error = e.putObject("error");
      error.put("message", message);
      error.put("type", code.startsWith("upstream") ? "api_error" : "invalid_request_error");
      error.put("code", code);
      write(new String(Json.write(e), StandardCharsets.UTF_8));
    }

    private String clean(String text) {
      return scanner.redactSecrets(key.scrub(text));
    }
  }

  // ---- upstream failures -------------------------------------------------------------------

  private static ApiException upstreamFailure(EgressException e) {
    return switch (e) {
      case EgressException.DestinationDenied d ->
          new ApiException(502, "upstream_denied", "the provider's address is not allowed by the egress policy: " + d.getMessage());
      case EgressException.Timeout t -> new ApiException(504, "upstream_timeout", "the provider did not answer in time");
      default -> new ApiException(502, "upstream_unreachable", "the provider could not be reached (" + e.code() + ")");
    };
  }

  /**
   * An upstream error answer as an OpenAI-style error: the provider's message, scrubbed of the
   * brokered key and of secrets, under our status and code.
   */
  private ApiException upstreamError(int status, byte[] body, CredentialBroker.Brokering key) {
    String message = "";
    try {
      JsonNode n = Json.MAPPER.readTree(body);
      message = n.path("error").path("message").asText(n.path("message").asText(""));
    } catch (IOException | RuntimeException e) {
      message = "";
    }
    message = scanner.redactSecrets(key.scrub(message));
    if (message.length() > 500) {
      message = message.substring(0, 500) + "…";
    }
    String detail = "the provider answered " + status + (message.isEmpty() ? "" : ": " + message);
    return switch (status) {
      case 400, 422 -> new ApiException(400, "upstream_bad_request", detail);
      case 401, 403 -> new ApiException(502, "upstream_auth_failed",
          "the provider refused the gateway's credentials (" + status + "); an administrator must check the provider key");
      case 404 -> new ApiException(404, "upstream_not_found", detail);
      case 408 -> new ApiException(504, "upstream_timeout", detail);
      case 429 -> new ApiException(429, "upstream_rate_limited", detail, Map.of("Retry-After", "1"));
      default -> new ApiException(502, "upstream_error", detail);
    };
  }

  // ---- accounting and audit ----------------------------------------------------------------

  private void finish(Call call, long promptTokens, long completionTokens, boolean estimated, String responseSha256,
      List<String> rules, String outcome) {
    long cost = prices.costMicros(call.model(), promptTokens, completionTokens);
    Instant now = clock.instant();
    ObjectNode r = call.record();
    r.remove("prompt_chars");
    r.put("outcome", outcome);
    r.put("partial", !outcome.equals("ok"));
    r.put("prompt_tokens", promptTokens);
    r.put("completion_tokens", completionTokens);
    r.put("tokens_estimated", estimated);
    r.put("cost_micros", cost);
    r.put("response_sha256", responseSha256);
    ArrayNode redactions = r.putArray("redactions_out");
    rules.forEach(redactions::add);
    call.content().ifPresent(c -> c.into(r));
    // Usage is counted in the transaction of the group commit that stores the record: no
    // transaction of its own, and the call is counted exactly when it is recorded. The record is
    // durable before the call returns.
    audit.modelCalled(call.req().tenant(), "agent:" + call.agent().id(), r, List.of(ModelBudgets.recording(
        call.req().tenant(), List.of(ModelBudgets.TENANT, ModelBudgets.agent(call.agent().id())), now,
        promptTokens + completionTokens, cost)));
  }

  private void recordCall(ApiRequest req, Optional<ModelAgent> agent, ObjectNode record) {
    ContentLog.fit(record);
    String actor = agent.map(a -> "agent:" + a.id()).orElse("key:" + req.principal().keyId());
    audit.modelCalled(req.tenant(), actor, record, List.of());
  }

  // ---- GET /v1/models ----------------------------------------------------------------------

  private ApiResponse models(ApiRequest req) {
    ModelAgent agent = agentOf(req);
    String name = agent.provider().orElseThrow(() ->
        ApiException.forbidden("agent_has_no_provider", "agent " + agent.name() + " has no model provider"));
    Provider provider = providers.requireEnabled(req.tenant(), name);
    List<String> ids = !agent.models().isEmpty()
        ? agent.models().stream().filter(provider::allowsModel).toList()
        : provider.allowedModels();
    ObjectNode list = JsonNodeFactory.instance.objectNode();
    list.put("object", "list");
    ArrayNode data = list.putArray("data");
    if (ids.isEmpty() && adapters.containsKey(provider.kind())) {
      // Any model of the provider is allowed: ask it which ones it has.
      CredentialBroker.Brokering key = credentials.provider(req.tenant(), provider.name());
      dev.agentwarden.egress.EgressResponse r;
      try {
        r = client(req.tenant(), policies.defaultNetwork(req.tenant()), provider, key).send(adapters.get(provider.kind()).modelsRequest(provider));
      } catch (EgressException e) {
        throw upstreamFailure(e);
      }
      if (r.status() / 100 != 2) {
        throw upstreamError(r.status(), r.body(), key);
      }
      try {
        for (JsonNode m : Json.MAPPER.readTree(r.body()).path("data")) {
          if (m.path("id").isTextual()) {
            data.addObject().put("id", m.get("id").asText()).put("object", "model")
                .put("created", m.path("created").asLong(0)).put("owned_by", m.path("owned_by").asText(provider.name()));
          }
        }
      } catch (IOException e) {
        throw new ApiException(502, "upstream_bad_response", "the provider's model list is not JSON");
      }
    } else {
      for (String id : ids) {
        data.addObject().put("id", id).put("object", "model").put("created", 0).put("owned_by", provider.name());
      }
    }
    return ApiResponse.ok(list);
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** The text of a message content: a string, or the text parts of an array. */
  static String text(JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode part : content) {
      if (part.path("text").isTextual()) {
        if (!sb.isEmpty()) {
          sb.append('\n');
        }
        sb.append(part.get("text").asText());
      }
    }
    return sb.toString();
  }

  private static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(Sha256.hash(bytes));
  }

  private static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String shown(String s) {
    return s.length() <= 100 ? "'" + s.replaceAll("[^\\x20-\\x7e]", "?") + "'" : "a name of " + s.length() + " characters";
  }
}
