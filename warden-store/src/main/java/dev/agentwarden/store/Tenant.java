package dev.agentwarden.store;

import dev.agentwarden.core.id.TenantId;
import java.time.Instant;

/** A customer of the platform; all its data is isolated from every other tenant's. */
public record Tenant(TenantId id, String name, Status status, Instant createdAt, Instant updatedAt) {
  /** Suspended tenants keep their data, but none of their keys works. */
  public enum Status {
    ACTIVE,
    SUSPENDED
  }
}
