package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.policy.ActionDecision;
import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.Policy;
import dev.agentwarden.core.policy.files.FileAccess;
import dev.agentwarden.core.policy.network.NetworkDecision;
import dev.agentwarden.egress.SystemResolver;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.Policies;
import dev.agentwarden.store.StoredPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /v1/policies}: a tenant admin stores policy documents (YAML or JSON, the body is the
 * document itself); each store of a name adds a version, validated by compiling it first.
 * The policy named {@code default} governs the tenant's outbound requests
 * ({@code /v1/actions/fetch}).
 */
final class PolicyService implements ApiService {
  static final Set<String> DOCUMENT_TYPES =
      Set.of("application/json", "application/yaml", "application/x-yaml", "text/yaml");

  private final Database db;
  private final TenantPolicies policies;
  private final AuditLog audit;

  PolicyService(Database db, TenantPolicies policies, AuditLog audit) {
    this.db = db;
    this.policies = policies;
    this.audit = audit;
  }

  /**
   * One action to decide without doing it: exactly one of {@code url} (with {@code method}),
   * {@code path} (with {@code write}), {@code command}, or {@code tool} (with {@code agent} and
   * {@code arguments}). {@code version} picks a stored version; default the newest.
   */
  record TestAction(
      Optional<Integer> version,
      Optional<String> url,
      Optional<String> method,
      Optional<String> path,
      Optional<Boolean> write,
      Optional<String> command,
      Optional<String> tool,
      Optional<String> agent,
      Optional<JsonNode> arguments) {
    TestAction {
    }

    int kinds() {
      return (url.isPresent() ? 1 : 0) + (path.isPresent() ? 1 : 0) + (command.isPresent() ? 1 : 0) + (tool.isPresent() ? 1 : 0);
    }
  }

  /** The decision, the rule and why; for a URL also the address egress would connect to. */
  record TestResult(
      String policy, int version, String decision, String rule, String reason, Optional<String> waivedRule,
      Optional<String> connectedTo) {}

  /** A stored version without its document (listings). */
  record PolicySummary(String name, int version, String sha256, Instant createdAt) {
    static PolicySummary of(StoredPolicy p) {
      return new PolicySummary(p.name(), p.version(), p.sha256(), p.createdAt());
    }
  }

  /** A stored version with its document, exactly as it was written. */
  record PolicyView(String name, int version, String sha256, Instant createdAt, String document) {
    static PolicyView of(StoredPolicy p) {
      return new PolicyView(p.name(), p.version(), p.sha256(), p.createdAt(), p.document());
    }
  }

  record PolicyList(List<PolicySummary> items) {}

  @Override
  public void routes(RouteTable t) {
    t.add(new ApiRoute("POST", "/v1/policies", Roles.ADMIN, DOCUMENT_TYPES, req -> {
      String document = new String(req.rawBody(), StandardCharsets.UTF_8);
      StoredPolicy p = db.inTenant(req.tenant(), tx -> {
        StoredPolicy created = Policies.create(tx, document, Optional.of(req.principal().keyId()));
        // In the same transaction: a version exists exactly when its audit event does.
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.put("name", created.name());
        event.put("version", created.version());
        event.put("sha256", created.sha256());
        audit.append(tx, req.principal().actor(), AuditEventType.POLICY_CHANGED, event);
        return created;
      });
      return ApiResponse.created(PolicyView.of(p));
    }));
    t.add("GET", "/v1/policies", Roles.AUDIT, req ->
        ApiResponse.ok(new PolicyList(db.inTenant(req.tenant(), Policies::listLatest).stream().map(PolicySummary::of).toList())));
    t.add("GET", "/v1/policies/{name}", Roles.AUDIT, req -> {
      String name = req.pathParam("name");
      return ApiResponse.ok(PolicyView.of(db.inTenant(req.tenant(), tx -> Policies.latest(tx, name))
          .orElseThrow(() -> ApiException.notFound("policy"))));
    });
    t.add("POST", "/v1/policies/{name}/test", Roles.AUDIT, req -> {
      String name = req.pathParam("name");
      TestAction a = req.body(TestAction.class);
      if (a.kinds() != 1) {
        throw ApiException.badRequest("invalid_field", "give exactly one of url, path, command and tool");
      }
      StoredPolicy stored = db.inTenant(req.tenant(), tx -> a.version().isPresent()
              ? Policies.version(tx, name, a.version().get())
              : Policies.latest(tx, name))
          .orElseThrow(() -> ApiException.notFound("policy"));
      Policy policy = policies.compiled(stored);
      Decision d;
      Optional<Decision> waived;
      Optional<String> connectedTo = Optional.empty();
      if (a.url().isPresent()) {
        NetworkDecision n = policy.checkUrl(a.method().orElse("GET"), a.url().get(), SystemResolver.instance());
        d = n.decision();
        waived = n.waived();
        connectedTo = n.destination().map(dest -> dest.address().toString());
      } else {
        ActionDecision ad = a.path().isPresent()
            ? policy.checkFile(a.write().orElse(false) ? FileAccess.WRITE : FileAccess.READ, a.path().get())
            : a.command().isPresent()
                ? policy.checkCommand(a.command().get())
                : policy.checkTool(a.agent().orElse(""), a.tool().get(),
                    a.arguments().orElse(Json.MAPPER.createObjectNode()));
        d = ad.decision();
        waived = ad.waived();
      }
      return ApiResponse.ok(new TestResult(stored.name(), stored.version(), d.allowed() ? "allow" : "deny",
          d.ruleId(), d.reason(), waived.map(Decision::ruleId), connectedTo));
    });
    t.add("GET", "/v1/policies/{name}/versions", Roles.AUDIT, req -> {
      String name = req.pathParam("name");
      List<StoredPolicy> versions = db.inTenant(req.tenant(), tx -> Policies.versions(tx, name));
      if (versions.isEmpty()) {
        throw ApiException.notFound("policy");
      }
      return ApiResponse.ok(new PolicyList(versions.stream().map(PolicySummary::of).toList()));
    });
  }
}
