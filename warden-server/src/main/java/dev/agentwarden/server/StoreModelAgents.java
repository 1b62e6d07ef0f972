package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.scan.injection.InjectionSettings;
import dev.agentwarden.store.Agent;
import dev.agentwarden.store.Agents;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.ModelCallState;
import dev.agentwarden.store.Tx;
import java.io.IOException;
import java.sql.SQLException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agents of {@code /v1/agents} as the model proxy sees them: the agent whose key calls, its
 * provider and model, its pinned prompt (none when the prompt is empty) and the model budgets in
 * its {@code budgets} object ({@code requests_per_minute}, {@code tokens_per_day},
 * {@code spend_per_month_usd}; other members belong to other capabilities).
 */
final class StoreModelAgents implements ModelAgents {
  private static final int MAX_CACHED = 100_000;

  private final Database db;
  /**
   * Agents by key id. A cached agent is used only after {@link ModelCallState} showed, in the
   * call's own transaction, that its row still has the same id and version.
   */
  private final Map<UUID, ModelAgent> cache = new ConcurrentHashMap<>();

  StoreModelAgents(Database db) {
    this.db = db;
  }

  @Override
  public Optional<ModelAgent> forKey(TenantId tenant, UUID keyId) {
    return db.inTenant(tenant, tx -> Agents.findByKey(tx, keyId)).map(StoreModelAgents::view);
  }

  /**
   * The agent of {@code keyId} as of {@code state}, read in the same transaction: the cached copy
   * when its id and version match, else the row, read again and cached.
   */
  ModelAgent current(Tx tx, UUID keyId, ModelCallState state) throws SQLException {
    ModelAgent cached = cache.get(keyId);
    if (cached != null && cached.id().equals(state.agentId()) && cached.updatedAt().equals(state.agentUpdatedAt())) {
      return cached;
    }
    Optional<ModelAgent> fresh = Agents.findByKey(tx, keyId).map(StoreModelAgents::view);
    if (fresh.isEmpty()) {
      cache.remove(keyId);
      throw ApiException.forbidden("agent_not_linked", "this agent key is not linked to an agent");
    }
    if (cache.size() >= MAX_CACHED) {
      cache.clear();
    }
    cache.put(keyId, fresh.get());
    return fresh.get();
  }

  static ModelAgent view(Agent a) {
    return new ModelAgent(a.id(), a.name(), a.provider(), a.model().map(List::of).orElse(List.of()),
        a.systemPrompt().isEmpty() ? Optional.empty() : Optional.of(a.systemPromptSha256()),
        InjectionSettings.parse(a.injection()), a.enabled(), limits(a.budgets()), a.updatedAt());
  }

  /** Reads the budgets object; one that cannot be read refuses every call (limits of zero). */
  static ModelAgent.Limits limits(String budgets) {
    try {
      JsonNode b = Json.MAPPER.readTree(budgets);
      return new ModelAgent.Limits(whole(b.get("requests_per_minute")), whole(b.get("tokens_per_day")),
          micros(b.get("spend_per_month_usd")));
    } catch (IOException | RuntimeException e) {
      return new ModelAgent.Limits(OptionalLong.of(0), OptionalLong.of(0), OptionalLong.of(0));
    }
  }

  private static OptionalLong whole(JsonNode n) {
    if (n == null || n.isNull()) {
      return OptionalLong.empty();
    }
    if (!n.isNumber() || n.doubleValue() < 0) {
      throw new IllegalArgumentException("budget limits are non-negative numbers");
    }
    return OptionalLong.of((long) Math.floor(n.doubleValue()));
  }

  private static OptionalLong micros(JsonNode n) {
    if (n == null || n.isNull()) {
      return OptionalLong.empty();
    }
    if (!n.isNumber() || n.doubleValue() < 0) {
      throw new IllegalArgumentException("budget limits are non-negative numbers");
    }
    return OptionalLong.of(new BigDecimal(n.asText()).movePointRight(6).longValue());
  }
}
