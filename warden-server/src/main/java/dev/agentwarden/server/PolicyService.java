package dev.agentwarden.server;

import dev.agentwarden.store.Database;
import dev.agentwarden.store.Policies;
import dev.agentwarden.store.StoredPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
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

  PolicyService(Database db) {
    this.db = db;
  }

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
      StoredPolicy p = db.inTenant(req.tenant(),
          tx -> Policies.create(tx, document, java.util.Optional.of(req.principal().keyId())));
      return ApiResponse.created(PolicyView.of(p));
    }));
    t.add("GET", "/v1/policies", Roles.AUDIT, req ->
        ApiResponse.ok(new PolicyList(db.inTenant(req.tenant(), Policies::listLatest).stream().map(PolicySummary::of).toList())));
    t.add("GET", "/v1/policies/{name}", Roles.AUDIT, req -> {
      String name = req.pathParam("name");
      return ApiResponse.ok(PolicyView.of(db.inTenant(req.tenant(), tx -> Policies.latest(tx, name))
          .orElseThrow(() -> ApiException.notFound("policy"))));
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
