package dev.agentwarden.core.audit;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The published verification keys, looked up by key id. Immutable. */
public final class AuditKeyring {
  private final Map<String, AuditKey> keys;

  private AuditKeyring(Map<String, AuditKey> keys) {
    this.keys = keys;
  }

  /** A keyring of {@code keys}; two different keys with one id are refused. */
  public static AuditKeyring of(Collection<AuditKey> keys) {
    Map<String, AuditKey> map = new LinkedHashMap<>();
    for (AuditKey k : keys) {
      AuditKey previous = map.putIfAbsent(k.keyId(), k);
      if (previous != null && !previous.equals(k)) {
        throw new AuditException("invalid_key", "key id " + k.keyId() + " is listed twice with different content");
      }
    }
    return new AuditKeyring(Map.copyOf(map));
  }

  public Optional<AuditKey> find(String keyId) {
    return Optional.ofNullable(keys.get(keyId));
  }

  public List<AuditKey> keys() {
    return List.copyOf(keys.values());
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }
}
