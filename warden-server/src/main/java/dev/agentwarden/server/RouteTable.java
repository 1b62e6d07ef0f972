package dev.agentwarden.server;

import dev.agentwarden.core.auth.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every endpoint of the API in one table: services add their routes here, the dispatcher
 * matches requests against it, and tests read it (OpenAPI check, cross-tenant suite).
 */
public final class RouteTable {
  static final Set<String> JSON = Set.of("application/json");

  private final List<ApiRoute> routes = new ArrayList<>();

  /** A route that takes a JSON body (or none), callable by the given roles. */
  public RouteTable add(String method, String template, Set<Role> roles, ApiHandler handler) {
    return add(new ApiRoute(method, template, roles, JSON, handler));
  }

  public RouteTable add(ApiRoute route) {
    for (ApiRoute r : routes) {
      if (r.method().equals(route.method()) && r.template().equals(route.template())) {
        throw new IllegalArgumentException("duplicate route " + route.method() + " " + route.template());
      }
    }
    routes.add(route);
    return this;
  }

  public List<ApiRoute> routes() {
    return List.copyOf(routes);
  }

  /** The outcome of matching a path. */
  sealed interface Match {
    record Found(ApiRoute route, Map<String, String> params) implements Match {}

    record WrongMethod(Set<String> allowed) implements Match {}

    record Missing() implements Match {}
  }

  Match match(String method, String path) {
    String[] parts = path.substring(1).split("/", -1);
    Set<String> allowed = new TreeSet<>();
    ApiRoute best = null;
    Map<String, String> bestParams = null;
    int bestLiterals = -1;
    for (ApiRoute r : routes) {
      Optional<Map<String, String>> params = bind(r.segments(), parts);
      if (params.isEmpty()) {
        continue;
      }
      if (!r.method().equals(method) && !(method.equals("HEAD") && r.method().equals("GET"))) {
        allowed.add(r.method());
        continue;
      }
      int literals = r.segments().size() - params.get().size();
      if (literals > bestLiterals) {
        best = r;
        bestParams = params.get();
        bestLiterals = literals;
      }
    }
    if (best != null && bestParams != null) {
      return new Match.Found(best, bestParams);
    }
    return allowed.isEmpty() ? new Match.Missing() : new Match.WrongMethod(allowed);
  }

  private static Optional<Map<String, String>> bind(List<String> template, String[] parts) {
    if (template.size() != parts.length) {
      return Optional.empty();
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < parts.length; i++) {
      String t = template.get(i);
      if (t.startsWith("{") && t.endsWith("}")) {
        if (parts[i].isEmpty()) {
          return Optional.empty();
        }
        params.put(t.substring(1, t.length() - 1), parts[i]);
      } else if (!t.equals(parts[i])) {
        return Optional.empty();
      }
    }
    return Optional.of(params);
  }
}
