package dev.agentwarden.mcp;

import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.policy.Policy;
import java.util.Optional;

/**
 * Where the gateway finds a tenant's named policies: {@code default} governs the tenant's
 * upstreams (its network section decides which MCP server URLs may be reached, loopback and
 * private ranges only by CIDR), and an agent may name one more whose tools section constrains
 * its tool arguments. A policy that cannot be found denies.
 */
@FunctionalInterface
public interface TenantPolicies {
  String DEFAULT = "default";

  Optional<Policy> find(TenantId tenant, String name);

  /** No policies at all: every upstream is denied. */
  static TenantPolicies none() {
    return (tenant, name) -> Optional.empty();
  }
}
