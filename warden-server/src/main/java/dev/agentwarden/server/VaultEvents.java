package dev.agentwarden.server;

import dev.agentwarden.store.Provider;
import dev.agentwarden.store.VaultSecret;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records changes to secrets and providers: who did what to which reference. Carries names,
 * references, versions and masked values only, so a record can never disclose a secret.
 */
final class VaultEvents {
  private final RequestLog log;

  VaultEvents(RequestLog log) {
    this.log = log;
  }

  void secretChanged(ApiRequest req, String type, VaultSecret s) {
    Map<String, Object> f = base(req, type);
    f.put("ref", s.ref().uri());
    f.put("version", s.version());
    log.event("info", type, f);
  }

  void providerChanged(ApiRequest req, String type, Provider p) {
    Map<String, Object> f = base(req, type);
    f.put("provider", p.name());
    f.put("ref", p.secret().uri());
    f.put("enabled", p.enabled());
    log.event("info", type, f);
  }

  private static Map<String, Object> base(ApiRequest req, String type) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("request_id", req.requestId());
    f.put("tenant", req.tenant().toString());
    f.put("key_id", req.principal().keyId().toString());
    f.put("event", type);
    return f;
  }
}
