package dev.agentwarden.server;

import dev.agentwarden.core.id.TenantId;
import java.util.Optional;
import java.util.UUID;

/** Finds the agent an agent-role key acts as. */
@FunctionalInterface
interface ModelAgents {
  Optional<ModelAgent> forKey(TenantId tenant, UUID keyId);
}
