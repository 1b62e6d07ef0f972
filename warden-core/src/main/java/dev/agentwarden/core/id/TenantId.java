package dev.agentwarden.core.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.UUID;

/**
 * Identifies a tenant. The all-zero id is reserved for the platform operator, whose
 * transactions see tenants but no tenant's data.
 */
public record TenantId(UUID value) {
  /** The operator's scope: owns no tenant data. */
  public static final TenantId OPERATOR = new TenantId(new UUID(0L, 0L));

  public TenantId {
    Objects.requireNonNull(value, "value");
  }

  public static TenantId random() {
    return new TenantId(UUID.randomUUID());
  }

  /** Parses the textual UUID form; throws {@link InvalidIdException} for anything else. */
  @JsonCreator
  public static TenantId parse(String text) {
    return new TenantId(Ids.parseUuid(text, "tenant id"));
  }

  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isOperator() {
    return equals(OPERATOR);
  }

  @JsonValue
  @Override
  public String toString() {
    return value.toString();
  }
}
