package dev.agentwarden.core.audit;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The catalogue of audit event types. Types are only ever added: a wire name, once released,
 * keeps its meaning and body shape forever; a changed body gets a new name. {@link
 * #CATALOGUE_VERSION} goes up whenever a type is added, and is written in every export header.
 */
public enum AuditEventType {
  TENANT_CREATED("tenant.created"),
  TENANT_SUSPENDED("tenant.suspended"),
  TENANT_PURGED("tenant.purged"),
  API_KEY_CREATED("api_key.created"),
  API_KEY_ROTATED("api_key.rotated"),
  API_KEY_REVOKED("api_key.revoked"),
  PROVIDER_CHANGED("provider.changed"),
  SECRET_CHANGED("secret.changed"),
  POLICY_CHANGED("policy.changed"),
  POLICY_DECIDED("policy.decided"),
  AGENT_CHANGED("agent.changed"),
  APPROVAL_REQUESTED("approval.requested"),
  APPROVAL_DECIDED("approval.decided"),
  APPROVAL_EXECUTED("approval.executed"),
  APPROVAL_REFUSED("approval.refused"),
  MCP_SERVER_CHANGED("mcp_server.changed"),
  MCP_TOOL_CHANGED("mcp_tool.changed"),
  MODEL_CALLED("model.called"),
  TOOL_CALLED("tool.called"),
  SESSION_STARTED("session.started"),
  SIGNING_KEY_ROTATED("audit.signing_key_rotated"),
  TENANT_RESUMED("tenant.resumed"),
  TENANT_SETTINGS_CHANGED("tenant.settings_changed"),
  SESSION_ALLOW_CREATED("session_allow.created"),
  SESSION_ALLOW_USED("session_allow.used"),
  SESSION_ALLOW_REVOKED("session_allow.revoked"),
  TRUST_THRESHOLD_CHANGED("trust.threshold_changed"),
  SESSION_ALLOW_ENDED("session_allow.ended");

  /** Version of this catalogue; incremented when a type is added. */
  public static final int CATALOGUE_VERSION = 4;

  private static final Map<String, AuditEventType> BY_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(AuditEventType::wireName, Function.identity()));

  private final String wireName;

  AuditEventType(String wireName) {
    this.wireName = wireName;
  }

  /** The name written in the {@code type} member of an event. */
  public String wireName() {
    return wireName;
  }

  /** The type with that wire name, if this catalogue knows it. */
  public static Optional<AuditEventType> fromWireName(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }
}
