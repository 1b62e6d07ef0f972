package dev.agentwarden.server;

import dev.agentwarden.core.auth.Role;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.ModelBudgets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /v1/usage} (model usage and limits per scope: an agent key sees its own agent and
 * the tenant, admins and auditors every scope), {@code GET /v1/budgets} and {@code PUT
 * /v1/budgets/tenant} (the tenant-wide limits; an agent's own limits are part of the agent).
 */
final class BudgetService implements ApiService {
  private final Database db;
  private final ModelAgents agents;
  private final Clock clock;

  BudgetService(Database db, ModelAgents agents, Clock clock) {
    this.db = db;
    this.agents = agents;
    this.clock = clock;
  }

  record TenantBudget(Optional<Long> requestsPerMinute, Optional<Long> tokensPerDay, Optional<Long> spendPerMonthMicros) {
    TenantBudget {
      requestsPerMinute = check(requestsPerMinute, "requests_per_minute");
      tokensPerDay = check(tokensPerDay, "tokens_per_day");
      spendPerMonthMicros = check(spendPerMonthMicros, "spend_per_month_micros");
    }

    private static Optional<Long> check(Optional<Long> value, String name) {
      if (value.isPresent() && (value.get() < 0 || (name.equals("requests_per_minute") && value.get() > Integer.MAX_VALUE))) {
        throw ApiException.badRequest("invalid_field", name + " must be between 0 and " + Integer.MAX_VALUE);
      }
      return value;
    }
  }

  @Override
  public void routes(RouteTable t) {
    t.add("GET", "/v1/usage", Roles.ANY_TENANT_ROLE, this::usage);
    t.add("GET", "/v1/budgets", Roles.AUDIT, req -> ApiResponse.ok(Map.of("data",
        db.inTenant(req.tenant(), tx -> ModelBudgets.list(tx)).stream().map(BudgetService::view).toList())));
    t.add("PUT", "/v1/budgets/tenant", Roles.ADMIN, req -> {
      TenantBudget b = req.body(TenantBudget.class);
      ModelBudgets.Budget budget = new ModelBudgets.Budget(ModelBudgets.TENANT, opt(b.requestsPerMinute()),
          opt(b.tokensPerDay()), opt(b.spendPerMonthMicros()));
      db.inTenant(req.tenant(), tx -> {
        ModelBudgets.put(tx, budget);
        return null;
      });
      return ApiResponse.ok(view(budget));
    });
  }

  private ApiResponse usage(ApiRequest req) {
    Instant now = clock.instant();
    List<Map<String, Object>> data = new ArrayList<>();
    if (req.principal().role() == Role.AGENT) {
      ModelAgent agent = agents.forKey(req.tenant(), req.principal().keyId()).orElseThrow(() ->
          ApiException.forbidden("agent_not_linked", "this agent key is not linked to an agent"));
      String scope = ModelBudgets.agent(agent.id());
      db.inTenant(req.tenant(), tx -> {
        data.add(usageView(ModelBudgets.usage(tx, ModelBudgets.TENANT, now), ModelBudgets.find(tx, ModelBudgets.TENANT)));
        data.add(usageView(ModelBudgets.usage(tx, scope, now), new ModelBudgets.Budget(scope,
            agent.budget().requestsPerMinute(), agent.budget().tokensPerDay(), agent.budget().spendPerMonthMicros())));
        return null;
      });
    } else {
      db.inTenant(req.tenant(), tx -> {
        List<String> scopes = new ArrayList<>(ModelBudgets.scopes(tx, now));
        if (!scopes.contains(ModelBudgets.TENANT)) {
          scopes.addFirst(ModelBudgets.TENANT);
        }
        for (String scope : scopes) {
          data.add(usageView(ModelBudgets.usage(tx, scope, now), ModelBudgets.find(tx, scope)));
        }
        return null;
      });
    }
    return ApiResponse.ok(Map.of("object", "list", "at", now.toString(), "data", data));
  }

  private static Map<String, Object> usageView(ModelBudgets.Usage u, ModelBudgets.Budget b) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scope", u.scope());
    m.put("requests_this_minute", u.requestsThisMinute());
    m.put("requests_today", u.requestsToday());
    m.put("tokens_today", u.tokensToday());
    m.put("spend_this_month_micros", u.spendThisMonthMicros());
    m.put("limits", view(b));
    return m;
  }

  private static Map<String, @Nullable Object> view(ModelBudgets.Budget b) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("scope", b.scope());
    m.put("requests_per_minute", boxed(b.requestsPerMinute()));
    m.put("tokens_per_day", boxed(b.tokensPerDay()));
    m.put("spend_per_month_micros", boxed(b.spendPerMonthMicros()));
    return m;
  }

  private static @Nullable Object boxed(OptionalLong v) {
    return v.isPresent() ? (Object) v.getAsLong() : null;
  }

  private static OptionalLong opt(Optional<Long> v) {
    return v.map(OptionalLong::of).orElse(OptionalLong.empty());
  }
}
