package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEvent;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.audit.AuditKey;
import dev.agentwarden.core.audit.AuditProofs;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.ProviderRegistry;
import dev.agentwarden.store.ProviderUsage;
import dev.agentwarden.store.StoreException;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * {@code /v1/audit/*} for a tenant's admins and auditors, and the public {@code /v1/identity}.
 * The operator reads its own chain (tenant purges) through the same chain endpoints.
 * docs/audit-format.md specifies every answer.
 */
final class AuditService implements ApiService {
  // One below the store's limit: a page asks for one more row to know whether another follows.
  private static final int MAX_PAGE = 999;

  private final AuditLog log;
  private final ProviderUsage usage;
  private final ProviderRegistry providers;
  private final Clock clock;

  AuditService(AuditLog log, ProviderUsage usage, ProviderRegistry providers, Clock clock) {
    this.log = log;
    this.usage = usage;
    this.providers = providers;
    this.clock = clock;
  }

  @Override
  public void routes(RouteTable t) {
    t.add("GET", "/v1/audit/events", Roles.AUDIT_CHAIN, req -> {
      long after = queryLong(req, "after_seq", 0, 0, Long.MAX_VALUE);
      int limit = req.queryInt("limit", 100, 1, MAX_PAGE);
      Optional<String> type = req.query("type");
      if (type.isPresent() && AuditEventType.fromWireName(type.get()).isEmpty()) {
        throw ApiException.badRequest("invalid_parameter", "type is not an audit event type");
      }
      AuditLog.EventQuery q = new AuditLog.EventQuery(after, type, text(req, "actor"), text(req, "agent_id"),
          text(req, "provider_id"), limit + 1);
      List<AuditEvent> page = invalidQueryIsBadRequest(() -> log.events(req.tenant(), q));
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      ArrayNode data = out.putArray("data");
      page.stream().limit(limit).forEach(e -> data.add(e.toJson()));
      if (page.size() > limit) {
        out.put("next_after_seq", page.get(limit - 1).seq());
      } else {
        out.putNull("next_after_seq");
      }
      return ApiResponse.ok(out);
    });
    t.add("GET", "/v1/audit/provider-usage", Roles.AUDIT, this::providerUsage);
    t.add("GET", "/v1/audit/export", Roles.AUDIT_CHAIN, req -> {
      TenantId tenant = req.tenant();
      long from = queryLong(req, "from_seq", 1, 1, Long.MAX_VALUE);
      OptionalLong to = req.query("to_seq").isPresent()
          ? OptionalLong.of(queryLong(req, "to_seq", 0, 0, Long.MAX_VALUE)) : OptionalLong.empty();
      long size = log.size(tenant);
      if (from > size + 1 || (to.isPresent() && to.getAsLong() < from - 1)) {
        throw ApiException.badRequest("invalid_parameter", "from_seq and to_seq must name a range within the log (" + size + " events)");
      }
      // An export that breaks off mid-stream has no signed tree head at its end, which any
      // verifier reports as truncated.
      return ApiResponse.stream(200, "application/x-ndjson", out -> {
        BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        log.export(tenant, from, to, w);
      }).withHeader("Content-Disposition", "attachment; filename=\"audit-" + tenant + ".jsonl\"");
    });
    t.add("GET", "/v1/audit/checkpoints/latest", Roles.AUDIT_CHAIN, req -> ApiResponse.ok(log.latestCheckpoint(req.tenant()).toJson()));
    t.add("GET", "/v1/audit/proofs/inclusion", Roles.AUDIT_CHAIN, req -> {
      long seq = queryLong(req, "seq", -1, 1, Long.MAX_VALUE);
      if (seq < 0) {
        throw ApiException.badRequest("invalid_parameter", "seq is required");
      }
      long treeSize = queryLong(req, "tree_size", log.size(req.tenant()), 1, Long.MAX_VALUE);
      AuditLog.InclusionProof p = invalidQueryIsBadRequest(() -> log.inclusionProof(req.tenant(), seq, treeSize));
      return ApiResponse.ok(AuditProofs.inclusion(p.seq(), p.eventHash(), p.path(), p.treeHead()));
    });
    t.add("GET", "/v1/audit/proofs/consistency", Roles.AUDIT_CHAIN, req -> {
      long from = queryLong(req, "from", -1, 0, Long.MAX_VALUE);
      if (from < 0) {
        throw ApiException.badRequest("invalid_parameter", "from is required");
      }
      long to = queryLong(req, "to", log.size(req.tenant()), 0, Long.MAX_VALUE);
      AuditLog.ConsistencyProof p = invalidQueryIsBadRequest(() -> log.consistencyProof(req.tenant(), from, to));
      return ApiResponse.ok(AuditProofs.consistency(p.path(), p.fromHead(), p.toHead()));
    });
    t.add("GET", "/v1/identity", Roles.PUBLIC, req -> ApiResponse.ok(identity()));
    t.add("POST", "/v1/identity/rotate", Roles.OPERATOR, req -> {
      log.rotateSigningKey();
      return ApiResponse.ok(identity());
    });
  }

  /**
   * Which agents and keys called a provider ({@code provider} by name, or {@code provider_id} for
   * one that was deleted or renamed) from {@code from} (required) until {@code to} (default now),
   * both RFC 3339 instants, from the {@code model.called} events of the tenant's chain.
   */
  private ApiResponse providerUsage(ApiRequest req) {
    Optional<String> name = text(req, "provider");
    Optional<String> id = text(req, "provider_id");
    if (name.isPresent() == id.isPresent()) {
      throw ApiException.badRequest("invalid_parameter", "give exactly one of provider and provider_id");
    }
    String providerId = id.orElseGet(() -> providers.find(req.tenant(), name.get())
        .orElseThrow(() -> ApiException.notFound("provider")).id().toString());
    Instant from = instant(req, "from").orElseThrow(() ->
        ApiException.badRequest("invalid_parameter", "from is required (an RFC 3339 instant)"));
    Instant to = instant(req, "to").orElseGet(clock::instant);
    ProviderUsage.Report report = invalidQueryIsBadRequest(() -> usage.of(req.tenant(), providerId, from, to));
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("provider_id", providerId);
    name.ifPresent(n -> out.put("provider", n));
    out.put("from", from.toString());
    out.put("to", to.toString());
    ArrayNode agents = out.putArray("agents");
    report.agents().forEach(u -> agents.add(user(u, "agent_id")));
    ArrayNode keys = out.putArray("keys");
    report.keys().forEach(u -> keys.add(user(u, "key_id")));
    return ApiResponse.ok(out);
  }

  private static ObjectNode user(ProviderUsage.User u, String idField) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put(idField, u.id());
    u.name().ifPresent(v -> n.put("name", v));
    n.put("calls", u.calls());
    n.put("succeeded", u.succeeded());
    n.put("first_used", u.firstUsed().toString());
    n.put("last_used", u.lastUsed().toString());
    return n;
  }

  private static Optional<Instant> instant(ApiRequest req, String name) {
    return text(req, name).map(v -> {
      try {
        return OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException e) {
        throw ApiException.badRequest("invalid_parameter", name + " must be an RFC 3339 instant such as 2026-01-31T09:00:00Z");
      }
    });
  }

  private ObjectNode identity() {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("current_key_id", log.currentKey().keyId());
    ArrayNode keys = out.putArray("keys");
    for (AuditKey k : log.publishedKeys()) {
      keys.add(k.toJson());
    }
    return out;
  }

  private static Optional<String> text(ApiRequest req, String name) {
    Optional<String> v = req.query(name);
    if (v.isPresent() && (v.get().isEmpty() || v.get().length() > 256)) {
      throw ApiException.badRequest("invalid_parameter", name + " must be 1 to 256 characters");
    }
    return v;
  }

  private static long queryLong(ApiRequest req, String name, long defaultValue, long min, long max) {
    Optional<String> raw = req.query(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      long v = Long.parseLong(raw.get());
      if (v < min || v > max) {
        throw ApiException.badRequest("invalid_parameter", name + " must be at least " + min);
      }
      return v;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid_parameter", name + " must be an integer");
    }
  }

  private static <T> T invalidQueryIsBadRequest(Supplier<T> work) {
    try {
      return work.get();
    } catch (StoreException e) {
      if (e.code().equals("invalid_query")) {
        throw ApiException.badRequest("invalid_parameter", e.getMessage());
      }
      throw e;
    }
  }
}
