package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.approval.ApprovalPolicy;
import dev.agentwarden.core.auth.Role;
import dev.agentwarden.core.crypto.Sha256;
import dev.agentwarden.core.json.CanonicalJson;
import dev.agentwarden.core.scan.injection.InjectionSettings;
import dev.agentwarden.store.Agent;
import dev.agentwarden.store.Agents;
import dev.agentwarden.store.ApiKeys;
import dev.agentwarden.store.Database;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code /v1/agents} and the Mission Squad aliases {@code GET /v1/core/agents}, {@code POST
 * /v1/core/add/agent}, {@code POST /v1/core/delete/agent}. Tools are attached explicitly as
 * {@code server/tool} names; there is no wildcard. Creating an agent can issue its agent-role
 * key, linked to it: that key is how the agent authenticates at {@code /mcp}.
 */
final class AgentService implements ApiService {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Pattern TOOL = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}/[A-Za-z0-9_.:-]{1,128}");
  private static final Pattern SERVER_WILDCARD = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}/\\*");
  /** A server's resources or prompts, attached as {@code server/@resources}, {@code server/@prompts}. */
  private static final Pattern SERVER_CONTENT = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}/@(resources|prompts)");
  private static final Pattern COLLECTION = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Pattern LABEL = Pattern.compile("[\\x21-\\x7e]{1,200}");

  private final Database db;
  private final KeyIssuer issuer;
  private final ChainAudit audit;
  private final java.time.Clock clock;
  private final java.util.function.Consumer<dev.agentwarden.core.id.TenantId> toolsChanged;

  /** {@code toolsChanged} hears that an agent's visible tools may have changed (attached, detached, disabled). */
  AgentService(Database db, KeyIssuer issuer, ChainAudit audit, java.time.Clock clock,
      java.util.function.Consumer<dev.agentwarden.core.id.TenantId> toolsChanged) {
    this.toolsChanged = toolsChanged;
    this.db = db;
    this.issuer = issuer;
    this.audit = audit;
    this.clock = clock;
  }

  record CreateAgent(
      String name,
      Optional<String> provider,
      Optional<String> model,
      Optional<String> systemPrompt,
      Optional<List<String>> tools,
      Optional<List<String>> collections,
      Optional<String> policy,
      Optional<JsonNode> approvals,
      Optional<JsonNode> budgets,
      Optional<JsonNode> injection,
      Optional<Boolean> enabled,
      Optional<Boolean> issueKey,
      Optional<Boolean> acceptWildcard) {
    CreateAgent {
      Fields.require(name, "name");
      approvals = present(approvals);
      budgets = present(budgets);
      injection = present(injection);
    }
  }

  record PatchAgent(
      Optional<String> provider,
      Optional<String> model,
      Optional<String> systemPrompt,
      Optional<List<String>> tools,
      Optional<List<String>> collections,
      Optional<String> policy,
      Optional<JsonNode> approvals,
      Optional<JsonNode> budgets,
      Optional<JsonNode> injection,
      Optional<Boolean> enabled,
      Optional<Boolean> acceptWildcard) {
    PatchAgent {
      approvals = present(approvals);
      budgets = present(budgets);
      injection = present(injection);
    }
  }

  /** An explicit JSON null arrives as a present NullNode; it means "not given" too. */
  static Optional<JsonNode> present(Optional<JsonNode> node) {
    return node.filter(n -> !n.isNull() && !n.isMissingNode());
  }

  record DeleteByName(String name) {
    DeleteByName {
      Fields.require(name, "name");
    }
  }

  /**
   * An agent as the API shows it: {@code injection} as set, {@code injection_effective} with the
   * standard thresholds filled in ({@code null}: that action is off for the source).
   */
  record AgentView(UUID id, String name, Optional<String> provider, Optional<String> model, String systemPrompt,
      String systemPromptSha256, List<String> tools, List<String> collections, Optional<String> policy,
      JsonNode approvals, JsonNode budgets, JsonNode injection, JsonNode injectionEffective, boolean enabled,
      Optional<UUID> keyId, Instant createdAt, Instant updatedAt, List<String> warnings) {
    static AgentView of(Agent a) {
      return new AgentView(a.id(), a.name(), a.provider(), a.model(), a.systemPrompt(), a.systemPromptSha256(),
          a.tools(), a.collections(), a.policy(), CanonicalJson.parse(a.approvals()), CanonicalJson.parse(a.budgets()),
          CanonicalJson.parse(a.injection()), InjectionSettings.effective(InjectionSettings.parse(a.injection())),
          a.enabled(), a.keyId(), a.createdAt(), a.updatedAt(), wildcards(a.tools()).stream().map(w -> "'" + w
              + "' attaches every tool the server lists, now and later: a new tool becomes callable by this agent once"
              + " it is pinned and passes the scan, without a decision per tool (a changed or poisoned tool stays"
              + " quarantined); prefer explicit server/tool names").toList());
    }
  }

  static List<String> wildcards(List<String> tools) {
    return tools.stream().filter(t -> t != null && SERVER_WILDCARD.matcher(t).matches()).toList();
  }

  record CreatedAgent(AgentView agent, Optional<IssuedKeyView> key) {}

  @Override
  public void routes(RouteTable t) {
    ApiHandler create = req -> {
      CreateAgent body = req.body(CreateAgent.class);
      Agent draft = validated(new Agent(UUID.randomUUID(), body.name(), body.provider(), body.model(),
          body.systemPrompt().orElse(""), "", body.tools().orElse(List.of()), body.collections().orElse(List.of()),
          body.policy(), approvalsText(body.approvals()), budgetsText(body.budgets()),
          injectionText(body.injection()), body.enabled().orElse(true),
          Optional.empty(), Instant.EPOCH, Instant.EPOCH), body.tools().isPresent() && body.acceptWildcard().orElse(false));
      CreatedAgent created = db.inTenant(req.tenant(), tx -> {
        Optional<IssuedKeyView> key = Optional.empty();
        Agent row = draft;
        if (body.issueKey().orElse(false)) {
          KeyIssuer.Issued issued = issuer.issue(tx, "agent " + draft.name(), Role.AGENT, Optional.empty());
          key = Optional.of(new IssuedKeyView(KeyView.of(issued.key(), clock.instant()), issued.token()));
          row = withKey(draft, issued.key().id());
        }
        CreatedAgent c = new CreatedAgent(AgentView.of(Agents.insert(tx, row)), key);
        audited(tx, req, "created", c.agent(), body.acceptWildcard().orElse(false));
        return c;
      });
      toolsChanged.accept(req.tenant());
      return ApiResponse.created(created);
    };
    t.add("POST", "/v1/agents", Roles.ADMIN, create);
    t.add("POST", "/v1/core/add/agent", Roles.ADMIN, create);
    ApiHandler list = req -> ApiResponse.ok(Map.of("data",
        db.inTenant(req.tenant(), Agents::list).stream().map(AgentView::of).toList()));
    t.add("GET", "/v1/agents", Roles.ADMIN, list);
    t.add("GET", "/v1/core/agents", Roles.ADMIN, list);
    t.add("GET", "/v1/agents/{id}", Roles.ADMIN, req -> {
      UUID id = req.idParam("id", "agent");
      return ApiResponse.ok(db.inTenant(req.tenant(), tx -> Agents.find(tx, id)).map(AgentView::of)
          .orElseThrow(() -> ApiException.notFound("agent")));
    });
    t.add("PATCH", "/v1/agents/{id}", Roles.ADMIN, req -> {
      UUID id = req.idParam("id", "agent");
      PatchAgent p = req.body(PatchAgent.class);
      AgentView updated = db.inTenant(req.tenant(), tx -> {
        Agent a = Agents.find(tx, id).orElseThrow(() -> ApiException.notFound("agent"));
        Agent next = validated(new Agent(a.id(), a.name(), p.provider().or(a::provider), p.model().or(a::model),
            p.systemPrompt().orElse(a.systemPrompt()), "", p.tools().orElse(a.tools()),
            p.collections().orElse(a.collections()), p.policy().or(a::policy),
            p.approvals().isPresent() ? approvalsText(p.approvals()) : a.approvals(),
            p.budgets().isPresent() ? budgetsText(p.budgets()) : a.budgets(),
            p.injection().isPresent() ? injectionText(p.injection()) : a.injection(), p.enabled().orElse(a.enabled()),
            a.keyId(), a.createdAt(), a.updatedAt()),
            p.tools().isEmpty() || p.acceptWildcard().orElse(false));
        AgentView v = AgentView.of(Agents.update(tx, next).orElseThrow(() -> ApiException.notFound("agent")));
        audited(tx, req, "updated", v, p.tools().isPresent() && p.acceptWildcard().orElse(false));
        return v;
      });
      toolsChanged.accept(req.tenant());
      return ApiResponse.ok(updated);
    });
    t.add("DELETE", "/v1/agents/{id}", Roles.ADMIN, req -> {
      UUID id = req.idParam("id", "agent");
      db.inTenant(req.tenant(), tx -> delete(tx, req, Agents.find(tx, id)));
      toolsChanged.accept(req.tenant());
      return ApiResponse.noContent();
    });
    t.add("POST", "/v1/core/delete/agent", Roles.ADMIN, req -> {
      DeleteByName body = req.body(DeleteByName.class);
      AgentView deleted = db.inTenant(req.tenant(), tx -> delete(tx, req, Agents.findByName(tx, body.name())));
      toolsChanged.accept(req.tenant());
      return ApiResponse.ok(Map.of("deleted", deleted.name()));
    });
  }

  /** Deletes the agent, revokes its key and records both in the same transaction. */
  private AgentView delete(dev.agentwarden.store.Tx tx, ApiRequest req, Optional<Agent> agent) throws java.sql.SQLException {
    Agent a = agent.orElseThrow(() -> ApiException.notFound("agent"));
    Agents.delete(tx, a.id());
    if (a.keyId().isPresent()) {
      ApiKeys.revoke(tx, a.keyId().get());
    }
    AgentView v = AgentView.of(a);
    audited(tx, req, "deleted", v, false);
    return v;
  }

  /** Records the change in {@code tx}, the transaction that makes it. */
  private void audited(dev.agentwarden.store.Tx tx, ApiRequest req, String change, AgentView a, boolean acceptedWildcard)
      throws java.sql.SQLException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("change", change);
    body.put("agent", a.name());
    body.put("agent_id", a.id().toString());
    body.put("system_prompt_sha256", a.systemPromptSha256());
    body.put("tools", a.tools());
    body.put("policy", a.policy().orElse(""));
    body.put("enabled", a.enabled());
    body.put("injection", a.injectionEffective());
    if (acceptedWildcard && !wildcards(a.tools()).isEmpty()) {
      body.put("wildcard_accepted", wildcards(a.tools()));
    }
    audit.record(tx, req.principal().actor(), "agent.changed", body);
  }

  private static Agent withKey(Agent a, UUID keyId) {
    return new Agent(a.id(), a.name(), a.provider(), a.model(), a.systemPrompt(), a.systemPromptSha256(), a.tools(),
        a.collections(), a.policy(), a.approvals(), a.budgets(), a.injection(), a.enabled(), Optional.of(keyId),
        a.createdAt(),
        a.updatedAt());
  }

  /**
   * Checks every field and computes the prompt's hash. {@code wildcardAccepted}: a {@code server/*}
   * in the tools is allowed (the admin said {@code accept_wildcard: true}, or did not set the tools).
   */
  private static Agent validated(Agent a, boolean wildcardAccepted) {
    if (!NAME.matcher(a.name()).matches()) {
      throw ApiException.badRequest("invalid_field", "name must be 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
    }
    a.provider().ifPresent(p -> label(p, "provider"));
    a.model().ifPresent(m -> label(m, "model"));
    a.policy().ifPresent(p -> label(p, "policy"));
    if (a.systemPrompt().length() > 100_000) {
      throw ApiException.badRequest("invalid_field", "system_prompt must be at most 100000 characters");
    }
    if (a.tools().size() > 500 || a.collections().size() > 500) {
      throw ApiException.badRequest("invalid_field", "tools and collections hold at most 500 entries each");
    }
    for (String tool : a.tools()) {
      if (tool != null && SERVER_WILDCARD.matcher(tool).matches()) {
        if (!wildcardAccepted) {
          throw ApiException.badRequest("wildcard_not_accepted", "'" + tool + "' attaches every present and future"
              + " tool of the server; send \"accept_wildcard\": true with it to accept that, or list server/tool names");
        }
      } else if (tool == null || !(TOOL.matcher(tool).matches() || SERVER_CONTENT.matcher(tool).matches())) {
        throw ApiException.badRequest("invalid_field", "tools must be server/tool names, server/@resources,"
            + " server/@prompts (or server/* with accept_wildcard), got '" + tool + "'");
      }
    }
    for (String c : a.collections()) {
      if (c == null || !COLLECTION.matcher(c).matches()) {
        throw ApiException.badRequest("invalid_field", "collections must be collection names, got '" + c + "'");
      }
    }
    List<String> tools = a.tools().stream().distinct().toList();
    List<String> collections = a.collections().stream().distinct().toList();
    String sha = HexFormat.of().formatHex(Sha256.hash(a.systemPrompt().getBytes(StandardCharsets.UTF_8)));
    return new Agent(a.id(), a.name(), a.provider(), a.model(), a.systemPrompt(), sha, tools, collections, a.policy(),
        a.approvals(), a.budgets(), a.injection(), a.enabled(), a.keyId(), a.createdAt(), a.updatedAt());
  }

  private static void label(String value, String field) {
    if (!LABEL.matcher(value).matches()) {
      throw ApiException.badRequest("invalid_field", field + " must be 1-200 visible ASCII characters");
    }
  }

  private static String approvalsText(Optional<JsonNode> approvals) {
    if (approvals.isEmpty()) {
      return "[]";
    }
    ApprovalPolicy.parse(approvals.get());
    return CanonicalJson.canonicalString(approvals.get());
  }

  /** Validated injection verdict settings, stored as canonical JSON; none given is the standard ({@code {}}). */
  private static String injectionText(Optional<JsonNode> injection) {
    if (injection.isEmpty()) {
      return "{}";
    }
    InjectionSettings.parse(injection.get());
    String text = CanonicalJson.canonicalString(injection.get());
    if (text.length() > InjectionSettings.MAX_CHARS) {
      throw ApiException.badRequest("invalid_field", "injection settings must be at most " + InjectionSettings.MAX_CHARS
          + " characters of JSON");
    }
    return text;
  }

  private static String budgetsText(Optional<JsonNode> budgets) {
    if (budgets.isEmpty()) {
      return "{}";
    }
    JsonNode b = budgets.get();
    if (!b.isObject()) {
      throw ApiException.badRequest("invalid_field", "budgets must be an object of non-negative numbers");
    }
    for (Map.Entry<String, JsonNode> e : b.properties()) {
      if (!e.getValue().isNumber() || e.getValue().doubleValue() < 0 || !e.getKey().matches("[a-z][a-z0-9_]{0,63}")) {
        throw ApiException.badRequest("invalid_field", "budgets must map lower_snake names to non-negative numbers");
      }
    }
    return CanonicalJson.canonicalString(b);
  }
}
