package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.auth.Role;
import dev.agentwarden.store.ApiKey;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.ApiKeys;
import dev.agentwarden.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/keys}: a tenant admin's API keys. */
final class KeyService implements ApiService {
  private static final Duration MAX_GRACE = Duration.ofDays(7);
  private static final Duration MAX_LIFETIME = Duration.ofDays(3650);

  private final Database db;
  private final KeyIssuer issuer;
  private final Authenticator authenticator;
  private final AuditLog audit;
  private final Clock clock;

  KeyService(Database db, KeyIssuer issuer, Authenticator authenticator, AuditLog audit, Clock clock) {
    this.db = db;
    this.issuer = issuer;
    this.authenticator = authenticator;
    this.audit = audit;
    this.clock = clock;
  }

  /** The audit body of a key event: what identifies the key, never its secret or hash. */
  static ObjectNode keyEvent(ApiKey key) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("key_id", key.id().toString());
    body.put("name", key.name());
    body.put("role", key.role().wireName());
    body.put("prefix", key.prefix());
    key.expiresAt().ifPresent(at -> body.put("expires_at", at.toString()));
    return body;
  }

  record CreateKey(String name, String role, Optional<Instant> expiresAt) {
    CreateKey {
      Fields.requireName(name, "name");
      Fields.require(role, "role");
    }
  }

  record RotateKey(Long graceSeconds) {
    RotateKey {
      Fields.require(graceSeconds, "grace_seconds");
    }
  }

  record Me(String tenantId, java.util.UUID keyId, String role) {}

  @Override
  public void routes(RouteTable t) {
    t.add("GET", "/v1/me", java.util.EnumSet.allOf(Role.class), req -> {
      Principal p = req.principal();
      return ApiResponse.ok(new Me(p.isOperator() ? "operator" : p.tenant().toString(), p.keyId(), p.role().wireName()));
    });
    t.add("POST", "/v1/keys", Roles.ADMIN, req -> {
      CreateKey body = req.body(CreateKey.class);
      Role role = Role.tenantRole(body.role()).orElseThrow(() -> ApiException.badRequest("invalid_field",
          "role must be one of admin, approver, auditor, agent"));
      Instant now = clock.instant();
      body.expiresAt().ifPresent(at -> {
        if (!at.isAfter(now) || at.isAfter(now.plus(MAX_LIFETIME))) {
          throw ApiException.badRequest("invalid_field", "expires_at must be in the future and within 10 years");
        }
      });
      KeyIssuer.Issued issued = db.inTenant(req.tenant(), tx -> {
        KeyIssuer.Issued key = issuer.issue(tx, body.name(), role, body.expiresAt());
        audit.append(tx, req.principal().actor(), AuditEventType.API_KEY_CREATED, keyEvent(key.key()));
        return key;
      });
      return ApiResponse.created(new IssuedKeyView(KeyView.of(issued.key(), now), issued.token()));
    });
    t.add("GET", "/v1/keys", Roles.ADMIN, req -> {
      Instant now = clock.instant();
      List<KeyView> keys = db.inTenant(req.tenant(), ApiKeys::list).stream().map(k -> KeyView.of(k, now)).toList();
      return ApiResponse.ok(Map.of("data", keys));
    });
    t.add("GET", "/v1/keys/{id}", Roles.ADMIN, req -> {
      UUID id = req.idParam("id", "key");
      return ApiResponse.ok(db.inTenant(req.tenant(), tx -> ApiKeys.find(tx, id))
          .map(k -> KeyView.of(k, clock.instant())).orElseThrow(() -> ApiException.notFound("key")));
    });
    t.add("POST", "/v1/keys/{id}/rotate", Roles.ADMIN, req -> {
      UUID id = req.idParam("id", "key");
      RotateKey body = req.body(RotateKey.class);
      if (body.graceSeconds() < 0 || body.graceSeconds() > MAX_GRACE.toSeconds()) {
        throw ApiException.badRequest("invalid_field", "grace_seconds must be between 0 and " + MAX_GRACE.toSeconds());
      }
      Instant now = clock.instant();
      KeyIssuer.Issued issued = db.inTenant(req.tenant(), tx -> {
        Optional<KeyIssuer.Issued> rotated = issuer.rotate(tx, id, now.plusSeconds(body.graceSeconds()));
        if (rotated.isPresent()) {
          ObjectNode event = keyEvent(rotated.get().key());
          event.put("grace_seconds", body.graceSeconds());
          audit.append(tx, req.principal().actor(), AuditEventType.API_KEY_ROTATED, event);
        }
        return rotated;
      }).orElseThrow(() -> ApiException.notFound("key"));
      authenticator.forget(id);
      return ApiResponse.ok(new IssuedKeyView(KeyView.of(issued.key(), now), issued.token()));
    });
    t.add("DELETE", "/v1/keys/{id}", Roles.ADMIN, req -> {
      UUID id = req.idParam("id", "key");
      Optional<ApiKey> gone = db.inTenant(req.tenant(), tx -> {
        Optional<ApiKey> revoked = ApiKeys.revoke(tx, id);
        if (revoked.isPresent()) {
          audit.append(tx, req.principal().actor(), AuditEventType.API_KEY_REVOKED, keyEvent(revoked.get()));
        }
        return revoked;
      });
      if (gone.isEmpty()) {
        throw ApiException.notFound("key");
      }
      authenticator.forget(id);
      return ApiResponse.noContent();
    });
  }
}
