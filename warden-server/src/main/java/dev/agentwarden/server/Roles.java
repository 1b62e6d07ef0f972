package dev.agentwarden.server;

import dev.agentwarden.core.auth.Role;
import java.util.Set;

/** The role sets endpoints are opened to, named once so routes read as policy. */
public final class Roles {
  public static final Set<Role> PUBLIC = Set.of();
  public static final Set<Role> OPERATOR = Set.of(Role.OPERATOR);
  public static final Set<Role> ADMIN = Set.of(Role.ADMIN);
  public static final Set<Role> AUDIT = Set.of(Role.ADMIN, Role.AUDITOR);
  /** Reading an audit chain: a tenant's for its admins and auditors, the operator's own for the operator. */
  public static final Set<Role> AUDIT_CHAIN = Set.of(Role.ADMIN, Role.AUDITOR, Role.OPERATOR);
  public static final Set<Role> APPROVE = Set.of(Role.ADMIN, Role.APPROVER);
  /** Those who watch over agents: admins, approvers (who decide) and auditors (who review). */
  public static final Set<Role> OVERSIGHT = Set.of(Role.ADMIN, Role.APPROVER, Role.AUDITOR);
  public static final Set<Role> AGENT = Set.of(Role.AGENT);
  public static final Set<Role> ANY_TENANT_ROLE = Set.of(Role.ADMIN, Role.APPROVER, Role.AUDITOR, Role.AGENT);

  private Roles() {}
}
