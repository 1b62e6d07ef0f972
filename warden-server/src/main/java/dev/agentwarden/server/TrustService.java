package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.trust.TrustException;
import dev.agentwarden.core.trust.TrustScore;
import dev.agentwarden.core.trust.TrustSubject;
import dev.agentwarden.core.trust.TrustThreshold;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.McpServer;
import dev.agentwarden.store.McpServers;
import dev.agentwarden.store.McpTool;
import dev.agentwarden.store.ProviderRegistry;
import dev.agentwarden.store.Tx;
import dev.agentwarden.store.TrustLedger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /v1/trust}: the trust score (0-1000) of every provider, MCP server and tool of the
 * tenant, with the evidence behind it, and the tenant's threshold below which calls need
 * approval. Changing the threshold is audited in the same transaction.
 */
final class TrustService implements ApiService {
  private static final int RECENT = 50;

  private final Database db;
  private final ProviderRegistry providers;
  private final TrustLedger ledger;
  private final AuditLog audit;
  private final Clock clock;

  TrustService(Database db, ProviderRegistry providers, TrustLedger ledger, AuditLog audit, Clock clock) {
    this.db = db;
    this.providers = providers;
    this.ledger = ledger;
    this.audit = audit;
    this.clock = clock;
  }

  record SubjectView(String kind, String name, int score, boolean requiresApproval) {}

  record EvidenceView(String kind, Instant at, String detail, int scoreAfter) {}

  record SubjectDetail(String kind, String name, int score, int threshold, boolean requiresApproval, Instant at,
      List<EvidenceView> evidence) {}

  record Settings(int threshold, long halfLifeSeconds, Map<String, Double> weights, Instant now) {}

  record PutSettings(Integer threshold) {
    PutSettings {
      if (threshold == null) {
        throw ApiException.badRequest("missing_field", "threshold is required");
      }
    }
  }

  @Override
  public void routes(RouteTable t) {
    t.add("GET", "/v1/trust", Roles.OVERSIGHT, req -> {
      List<String> providerNames = providers.list(req.tenant()).stream().map(p -> p.name()).toList();
      return ApiResponse.ok(db.inTenant(req.tenant(), tx -> {
        TrustThreshold threshold = TrustLedger.threshold(tx);
        Set<TrustSubject> subjects = new LinkedHashSet<>();
        providerNames.forEach(n -> subjects.add(TrustSubject.provider(n)));
        subjects.addAll(registered(tx));
        subjects.addAll(ledger.subjects(tx));
        List<SubjectView> views = new java.util.ArrayList<>();
        for (TrustSubject s : subjects) {
          TrustScore score = ledger.score(tx, s);
          views.add(new SubjectView(s.kind().wire(), s.name(), score.value(), score.below(threshold)));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("threshold", threshold.value());
        body.put("data", views);
        return body;
      }));
    });
    t.add("GET", "/v1/trust/providers/{name}", Roles.OVERSIGHT,
        req -> detail(req, () -> TrustSubject.provider(req.pathParam("name"))));
    t.add("GET", "/v1/trust/mcp-servers/{name}", Roles.OVERSIGHT,
        req -> detail(req, () -> TrustSubject.mcpServer(req.pathParam("name"))));
    t.add("GET", "/v1/trust/tools/{server}/{tool}", Roles.OVERSIGHT,
        req -> detail(req, () -> TrustSubject.tool(req.pathParam("server"), req.pathParam("tool"))));
    t.add("GET", "/v1/trust/settings", Roles.OVERSIGHT, req -> ApiResponse.ok(db.inTenant(req.tenant(),
        tx -> settings(TrustLedger.threshold(tx)))));
    t.add("PUT", "/v1/trust/settings", Roles.ADMIN, req -> {
      PutSettings body = req.body(PutSettings.class);
      TrustThreshold next;
      try {
        next = new TrustThreshold(body.threshold());
      } catch (TrustException e) {
        throw ApiException.badRequest("invalid_field", String.valueOf(e.getMessage()));
      }
      String actor = req.principal().actor();
      return ApiResponse.ok(db.inTenant(req.tenant(), tx -> {
        TrustThreshold before = TrustLedger.setThreshold(tx, next, actor, clock.instant());
        ObjectNode event = Json.MAPPER.createObjectNode().put("before", before.value()).put("after", next.value());
        audit.append(tx, actor, AuditEventType.TRUST_THRESHOLD_CHANGED, event);
        return settings(next);
      }));
    });
  }

  private Settings settings(TrustThreshold threshold) {
    Map<String, Double> weights = new LinkedHashMap<>();
    ledger.rule().weights().forEach((k, w) -> weights.put(k.wire(), w));
    return new Settings(threshold.value(), ledger.rule().halfLife().toSeconds(), weights, clock.instant());
  }

  /** One subject with its newest evidence; 404 unless the tenant has it or has evidence on it. */
  private ApiResponse detail(ApiRequest req, java.util.function.Supplier<TrustSubject> named) {
    TrustSubject subject;
    try {
      subject = named.get();
    } catch (TrustException e) {
      throw ApiException.notFound("trust subject");
    }
    boolean provider = subject.kind() == TrustSubject.Kind.PROVIDER && providers.find(req.tenant(), subject.name()).isPresent();
    return ApiResponse.ok(db.inTenant(req.tenant(), tx -> {
      List<TrustLedger.Recorded> recent = TrustLedger.recent(tx, subject, RECENT);
      if (!provider && recent.isEmpty() && !registered(tx).contains(subject)) {
        throw ApiException.notFound("trust subject");
      }
      TrustThreshold threshold = TrustLedger.threshold(tx);
      TrustScore score = ledger.score(tx, subject);
      return new SubjectDetail(subject.kind().wire(), subject.name(), score.value(), threshold.value(),
          score.below(threshold), score.at(),
          recent.stream().map(r -> new EvidenceView(r.kind().wire(), r.at(), r.detail(), r.scoreAfter())).toList());
    }));
  }

  /** The tenant's MCP servers and their tools (not removed). */
  private static Set<TrustSubject> registered(Tx tx) throws SQLException {
    Set<TrustSubject> out = new LinkedHashSet<>();
    for (McpServer s : McpServers.list(tx)) {
      out.add(TrustSubject.mcpServer(s.name()));
      for (McpTool tool : McpServers.tools(tx, s.id())) {
        if (!tool.removed()) {
          out.add(TrustSubject.tool(s.name(), tool.name()));
        }
      }
    }
    return out;
  }
}
