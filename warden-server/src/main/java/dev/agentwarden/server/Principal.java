package dev.agentwarden.server;

import dev.agentwarden.core.auth.Role;
import dev.agentwarden.core.id.TenantId;
import java.util.UUID;

/** Who is calling: one key of one tenant (or of the operator), with its role. */
public record Principal(TenantId tenant, UUID keyId, Role role) {
  public boolean isOperator() {
    return role == Role.OPERATOR;
  }
}
