package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.auth.Role;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.Tenant;
import dev.agentwarden.store.TenantPurge;
import dev.agentwarden.store.Tenants;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code /v1/tenants}: the operator creates, lists, suspends, resumes and purges tenants. */
final class TenantService implements ApiService {
  private static final int MAX_PAGE = 200;

  private final Database db;
  private final KeyIssuer issuer;
  private final Authenticator authenticator;
  private final AuditLog audit;
  private final TenantPurge purge;
  private final Clock clock;

  TenantService(Database db, KeyIssuer issuer, Authenticator authenticator, AuditLog audit, TenantPurge purge,
      Clock clock) {
    this.db = db;
    this.issuer = issuer;
    this.authenticator = authenticator;
    this.audit = audit;
    this.purge = purge;
    this.clock = clock;
  }

  record CreateTenant(String name) {
    CreateTenant {
      Fields.requireName(name, "name");
    }
  }

  record TenantView(TenantId id, String name, String status, Instant createdAt, Instant updatedAt) {
    static TenantView of(Tenant t) {
      return new TenantView(t.id(), t.name(), t.status().name().toLowerCase(java.util.Locale.ROOT), t.createdAt(), t.updatedAt());
    }
  }

  record CreatedTenant(TenantView tenant, IssuedKeyView adminKey) {}

  @Override
  public void routes(RouteTable t) {
    t.add("POST", "/v1/tenants", Roles.OPERATOR, req -> {
      CreateTenant body = req.body(CreateTenant.class);
      TenantId id = TenantId.random();
      Instant now = clock.instant();
      CreatedTenant created = db.asOperator(tx -> {
        Tenant tenant = Tenants.create(tx, id, body.name());
        tx.actAs(id);
        KeyIssuer.Issued key = issuer.issue(tx, "initial admin", Role.ADMIN, Optional.empty());
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.put("tenant_id", id.toString());
        event.put("name", tenant.name());
        audit.append(tx, req.principal().actor(), AuditEventType.TENANT_CREATED, event);
        audit.append(tx, req.principal().actor(), AuditEventType.API_KEY_CREATED, KeyService.keyEvent(key.key()));
        return new CreatedTenant(TenantView.of(tenant), new IssuedKeyView(KeyView.of(key.key(), now), key.token()));
      });
      return ApiResponse.created(created);
    });
    t.add("GET", "/v1/tenants", Roles.OPERATOR, req -> {
      int limit = req.queryInt("limit", 50, 1, MAX_PAGE);
      Optional<TenantId> after = req.query("after").map(a -> {
        try {
          return TenantId.parse(a);
        } catch (RuntimeException e) {
          throw ApiException.badRequest("invalid_parameter", "after must be a tenant id");
        }
      });
      List<Tenant> page = db.asOperator(tx -> Tenants.list(tx, limit + 1, after));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("data", page.stream().limit(limit).map(TenantView::of).toList());
      out.put("next_after", page.size() > limit ? page.get(limit - 1).id().toString() : null);
      return ApiResponse.ok(out);
    });
    t.add("GET", "/v1/tenants/{id}", Roles.OPERATOR, req -> {
      TenantId id = new TenantId(req.idParam("id", "tenant"));
      return ApiResponse.ok(db.asOperator(tx -> Tenants.find(tx, id)).map(TenantView::of)
          .orElseThrow(() -> ApiException.notFound("tenant")));
    });
    t.add("DELETE", "/v1/tenants/{id}", Roles.OPERATOR, this::purge);
    t.add("POST", "/v1/tenants/{id}/suspend", Roles.OPERATOR, req -> setStatus(req, Tenant.Status.SUSPENDED));
    t.add("POST", "/v1/tenants/{id}/resume", Roles.OPERATOR, req -> setStatus(req, Tenant.Status.ACTIVE));
  }

  /**
   * Purges a tenant ({@link TenantPurge}): shreds its data keyset, purges its audit chain, deletes
   * its rows and keys, and records {@code tenant.purged} in the operator's chain. A tenant already
   * purged answers the same record again; an id that never was a tenant is 404.
   */
  private ApiResponse purge(ApiRequest req) {
    TenantId id = new TenantId(req.idParam("id", "tenant"));
    TenantPurge.Receipt r = db.asOperator(tx -> purge.purge(tx, id, req.principal().actor()))
        .orElseThrow(() -> ApiException.notFound("tenant"));
    // This process stops honouring the tenant's keys at once; the rows are gone for every process.
    authenticator.forgetAll();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tenant_id", r.tenant().toString());
    out.put("status", "purged");
    out.put("purged_at", r.purgedAt());
    out.put("purged_by", r.actor());
    out.put("operator_audit_seq", r.operatorSeq());
    out.put("record", r.body());
    return ApiResponse.ok(out);
  }

  private ApiResponse setStatus(ApiRequest req, Tenant.Status status) {
    TenantId id = new TenantId(req.idParam("id", "tenant"));
    Tenant t = db.asOperator(tx -> {
      Optional<Tenant> changed = Tenants.setStatus(tx, id, status);
      if (changed.isPresent()) {
        tx.actAs(id);
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.put("tenant_id", id.toString());
        audit.append(tx, req.principal().actor(),
            status == Tenant.Status.SUSPENDED ? AuditEventType.TENANT_SUSPENDED : AuditEventType.TENANT_RESUMED, event);
      }
      return changed;
    }).orElseThrow(() -> ApiException.notFound("tenant"));
    authenticator.forgetAll();
    return ApiResponse.ok(TenantView.of(t));
  }
}
