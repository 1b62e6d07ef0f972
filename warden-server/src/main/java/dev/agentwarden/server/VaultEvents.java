package dev.agentwarden.server;

import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.ChangeRecorder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records changes to secrets and providers: an audit event ({@code secret.changed},
 * {@code provider.changed}) appended in the transaction of the change, attributed to the calling
 * key, plus one operational log line. Bodies carry references, ids, versions and flags only, so
 * a record can never disclose a secret.
 */
final class VaultEvents {
  private final RequestLog log;
  private final AuditLog audit;

  VaultEvents(RequestLog log, AuditLog audit) {
    this.log = log;
    this.audit = audit;
  }

  /** The recorder for changes made by this request's caller. */
  ChangeRecorder recorder(ApiRequest req) {
    String actor = (req.principal().isOperator() ? "operator:" : "key:") + req.principal().keyId();
    return (tx, type, body) -> {
      audit.append(tx, actor, type, body);
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("request_id", req.requestId());
      f.put("tenant", req.tenant().toString());
      f.put("actor", actor);
      f.put("event", type.wireName());
      f.put("action", body.path("action").asText());
      f.put("ref", body.path("secret").asText());
      if (body.has("provider")) {
        f.put("provider", body.path("provider").asText());
      }
      log.event("info", type.wireName(), f);
    };
  }
}
