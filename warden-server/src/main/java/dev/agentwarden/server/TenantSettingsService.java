package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.TenantSettings;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code GET /v1/settings} (admins and auditors) and {@code PATCH /v1/settings} (admins): the
 * tenant's own settings. {@code content_logging} (default off) makes each model call store its
 * prompt and response, redacted of secrets, with its {@code model.called} record. A change is
 * recorded as {@code tenant.settings_changed} in the same transaction.
 */
final class TenantSettingsService implements ApiService {
  private final Database db;
  private final AuditLog audit;

  TenantSettingsService(Database db, AuditLog audit) {
    this.db = db;
    this.audit = audit;
  }

  record SettingsChange(Optional<Boolean> contentLogging) {
    SettingsChange {
    }
  }

  record SettingsView(boolean contentLogging, Optional<Instant> updatedAt) {
    static SettingsView of(TenantSettings s) {
      return new SettingsView(s.contentLogging(), s.updatedAt());
    }
  }

  @Override
  public void routes(RouteTable t) {
    t.add("GET", "/v1/settings", Roles.AUDIT, req ->
        ApiResponse.ok(SettingsView.of(db.inTenant(req.tenant(), TenantSettings::find))));
    t.add("PATCH", "/v1/settings", Roles.ADMIN, req -> {
      SettingsChange change = req.body(SettingsChange.class);
      TenantSettings stored = db.inTenant(req.tenant(), tx -> {
        TenantSettings before = TenantSettings.find(tx);
        TenantSettings after = TenantSettings.put(tx, change.contentLogging().orElse(before.contentLogging()));
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("content_logging", after.contentLogging());
        body.put("content_logging_before", before.contentLogging());
        audit.append(tx, req.principal().actor(), AuditEventType.TENANT_SETTINGS_CHANGED, body);
        return after;
      });
      return ApiResponse.ok(SettingsView.of(stored));
    });
  }
}
