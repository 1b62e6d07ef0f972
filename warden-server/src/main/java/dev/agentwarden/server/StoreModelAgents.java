package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.scan.injection.InjectionPolicy;
import dev.agentwarden.store.Agent;
import dev.agentwarden.store.Agents;
import dev.agentwarden.store.Database;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The agents of {@code /v1/agents} as the model proxy sees them: the agent whose key calls, its
 * provider and model, its pinned prompt (none when the prompt is empty) and the model budgets in
 * its {@code budgets} object ({@code requests_per_minute}, {@code tokens_per_day},
 * {@code spend_per_month_usd}; other members belong to other capabilities).
 */
final class StoreModelAgents implements ModelAgents {
  private final Database db;

  StoreModelAgents(Database db) {
    this.db = db;
  }

  @Override
  public Optional<ModelAgent> forKey(TenantId tenant, UUID keyId) {
    return db.inTenant(tenant, tx -> Agents.findByKey(tx, keyId)).map(StoreModelAgents::view);
  }

  static ModelAgent view(Agent a) {
    return new ModelAgent(a.id(), a.name(), a.provider(), a.model().map(List::of).orElse(List.of()),
        a.systemPrompt().isEmpty() ? Optional.empty() : Optional.of(a.systemPromptSha256()),
        InjectionPolicy.standard(), a.enabled(), limits(a.budgets()));
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
