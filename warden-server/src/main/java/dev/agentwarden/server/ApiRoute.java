package dev.agentwarden.server;

import dev.agentwarden.core.auth.Role;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One endpoint: method, path template ({@code /v1/keys/{id}}), the roles that may call it
 * (empty for public probes) and the media types its body may have.
 */
public record ApiRoute(String method, String template, Set<Role> roles, Set<String> consumes, ApiHandler handler) {
  public ApiRoute {
    Objects.requireNonNull(handler, "handler");
    if (!template.startsWith("/")) {
      throw new IllegalArgumentException("template must start with /: " + template);
    }
    roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
    consumes = Set.copyOf(consumes);
  }

  /** True when anyone may call the route without a key (probes, OpenAPI). */
  public boolean isPublic() {
    return roles.isEmpty();
  }

  List<String> segments() {
    return List.of(template.substring(1).split("/", -1));
  }
}
