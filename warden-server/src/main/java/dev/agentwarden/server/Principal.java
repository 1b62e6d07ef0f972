package dev.agentwarden.server;

import dev.agentwarden.core.auth.Role;
import dev.agentwarden.core.id.TenantId;
import java.util.UUID;

/** Who is calling: one key of one tenant (or of the operator), with its role. */
public record Principal(TenantId tenant, UUID keyId, Role role) {
  public boolean isOperator() {
    return role == Role.OPERATOR;
  }

  /** How audit events name this caller: {@code key:<id>} or {@code operator:<id>}. */
  public String actor() {
    return (isOperator() ? "operator:" : "key:") + keyId;
  }
}
