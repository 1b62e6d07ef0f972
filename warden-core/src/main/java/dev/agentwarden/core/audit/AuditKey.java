package dev.agentwarden.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.crypto.Ed25519;
import dev.agentwarden.core.crypto.Sha256;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * A published audit signing key: its id, Ed25519 public key and validity window. Keys rotate;
 * every key that ever signed stays published, with {@code validTo} set once it is retired.
 *
 * <p>The key id is derived from the key: the first 8 bytes of SHA-256 of the 32-byte public key,
 * in hex. So an id can never be rebound to another key, and a verifier checks it.
 */
public record AuditKey(String keyId, Ed25519.PublicKey publicKey, Instant validFrom, Optional<Instant> validTo) {

  public AuditKey {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(validFrom, "validFrom");
    Objects.requireNonNull(validTo, "validTo");
    if (!keyId.equals(idOf(publicKey))) {
      throw new AuditException("invalid_key", "key id " + keyId + " does not match its public key");
    }
    validFrom = AuditTime.truncate(validFrom);
    validTo = validTo.map(AuditTime::truncate);
    if (validTo.isPresent() && !validTo.get().isAfter(validFrom)) {
      throw new AuditException("invalid_key", "key " + keyId + " is valid to before it is valid from");
    }
  }

  /** A key valid from {@code validFrom} with no end yet. */
  public static AuditKey of(Ed25519.PublicKey publicKey, Instant validFrom) {
    return new AuditKey(idOf(publicKey), publicKey, validFrom, Optional.empty());
  }

  /** This key, retired at {@code at}. */
  public AuditKey retiredAt(Instant at) {
    return new AuditKey(keyId, publicKey, validFrom, Optional.of(at));
  }

  /** The key id of a public key. */
  public static String idOf(Ed25519.PublicKey publicKey) {
    return HexFormat.of().formatHex(Sha256.hash(publicKey.encoded()), 0, 8);
  }

  /** Whether this key may have signed something at {@code t}: validFrom <= t < validTo. */
  public boolean isValidAt(Instant t) {
    return !t.isBefore(validFrom) && validTo.map(t::isBefore).orElse(true);
  }

  /** The public JSON form, as in exports and {@code GET /v1/identity}. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("key_id", keyId);
    n.put("alg", "Ed25519");
    n.put("public_key", Base64Url.encode(publicKey.encoded()));
    n.put("valid_from", AuditTime.format(validFrom));
    if (validTo.isPresent()) {
      n.put("valid_to", AuditTime.format(validTo.get()));
    } else {
      n.putNull("valid_to");
    }
    return n;
  }

  /** Reads the public JSON form; any inconsistency is an {@link AuditException}. */
  public static AuditKey fromJson(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new AuditException("invalid_key", "a key is a JSON object");
    }
    if (!"Ed25519".equals(text(n, "alg"))) {
      throw new AuditException("invalid_key", "only Ed25519 keys are supported");
    }
    Ed25519.PublicKey pk;
    try {
      pk = Ed25519.PublicKey.of(Base64Url.decode(text(n, "public_key")));
    } catch (IllegalArgumentException e) {
      throw new AuditException("invalid_key", "public_key is not a valid Ed25519 public key", e);
    }
    JsonNode to = n.get("valid_to");
    Optional<Instant> validTo =
        to == null || to.isNull() ? Optional.empty() : Optional.of(AuditTime.parse(to.isTextual() ? to.textValue() : ""));
    return new AuditKey(text(n, "key_id"), pk, AuditTime.parse(text(n, "valid_from")), validTo);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new AuditException("invalid_key", "key member " + field + " must be a string");
    }
    return v.textValue();
  }
}
