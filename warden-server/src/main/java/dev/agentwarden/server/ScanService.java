package dev.agentwarden.server;

import dev.agentwarden.core.scan.ContentScanner;
import dev.agentwarden.core.scan.ContentSource;
import dev.agentwarden.core.scan.Finding;
import dev.agentwarden.core.scan.InvalidScanRequestException;
import dev.agentwarden.core.scan.ScanKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/scan {text, kinds?, source?}}: runs the content scanners (secrets, prompt
 * injection, Unicode smuggling) over a text for agents and integrations. The response never
 * echoes a secret: findings carry spans, and {@code redacted} is the text with secrets redacted.
 */
final class ScanService implements ApiService {
  /** Largest text accepted, in chars; larger texts are refused rather than scanned in part. */
  static final int MAX_TEXT_CHARS = 1_000_000;

  private final ContentScanner scanner = ContentScanner.standard();

  record ScanBody(String text, List<String> kinds, String source) {}

  @Override
  public void routes(RouteTable t) {
    t.add("POST", "/v1/scan", Roles.ANY_TENANT_ROLE, req -> ApiResponse.ok(scan(req.body(ScanBody.class))));
  }

  Map<String, Object> scan(ScanBody body) {
    if (body == null || body.text() == null) {
      throw ApiException.badRequest("invalid_field", "text is required");
    }
    if (body.text().length() > MAX_TEXT_CHARS) {
      throw ApiException.badRequest("invalid_field", "text must be at most " + MAX_TEXT_CHARS + " characters");
    }
    Set<ScanKind> kinds = EnumSet.noneOf(ScanKind.class);
    ContentSource source;
    try {
      if (body.kinds() != null) {
        for (String k : body.kinds()) {
          kinds.add(ScanKind.fromLabel(k == null ? "" : k));
        }
      }
      source = body.source() == null ? ContentSource.USER : ContentSource.fromLabel(body.source());
    } catch (InvalidScanRequestException e) {
      throw ApiException.badRequest(e.code(), e.getMessage());
    }
    if (kinds.isEmpty()) {
      kinds = EnumSet.allOf(ScanKind.class);
    }
    ContentScanner.Result r = scanner.scan(body.text(), kinds, source);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("flagged", r.flagged());
    List<Map<String, Object>> findings = new ArrayList<>();
    for (Finding f : r.findings()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", f.kind().label());
      m.put("rule", f.ruleId());
      m.put("start", f.start());
      m.put("end", f.end());
      m.put("confidence", f.confidence());
      m.put("description", f.description());
      findings.add(m);
    }
    out.put("findings", findings);
    r.verdict().ifPresent(v -> {
      Map<String, Object> inj = new LinkedHashMap<>();
      inj.put("score", v.score());
      inj.put("flagged", r.injection().orElseThrow().flagged());
      inj.put("action", v.action().label());
      inj.put("source", v.source().label());
      inj.put("reasons", v.reasons());
      out.put("injection", inj);
    });
    if (kinds.contains(ScanKind.SECRETS)) {
      out.put("redacted", scanner.redactSecrets(body.text()));
    }
    return out;
  }
}
