package dev.agentwarden.core.approval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.crypto.Sha256;
import dev.agentwarden.core.json.CanonicalJson;
import dev.agentwarden.core.json.CanonicalJsonException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The exact action an approver sees: its RFC 8785 canonical JSON and the SHA-256 of those
 * bytes. Two payloads are the same action exactly when their hashes are equal, whatever order
 * or spacing their members were sent in.
 */
public final class ApprovalPayload {
  private static final HexFormat HEX = HexFormat.of();

  private final String canonical;
  private final String sha256;

  private ApprovalPayload(String canonical, String sha256) {
    this.canonical = canonical;
    this.sha256 = sha256;
  }

  /** Canonicalises and hashes {@code value}; a value without a canonical form is refused. */
  public static ApprovalPayload of(JsonNode value) {
    Objects.requireNonNull(value, "value");
    byte[] bytes;
    try {
      bytes = CanonicalJson.canonicalize(value);
    } catch (CanonicalJsonException e) {
      throw new ApprovalException("invalid_payload", "the action cannot be canonicalised: " + e.getMessage());
    }
    return new ApprovalPayload(new String(bytes, StandardCharsets.UTF_8), HEX.formatHex(Sha256.hash(bytes)));
  }

  /** Reads a stored canonical payload back; it must already be in canonical form. */
  public static ApprovalPayload fromCanonical(String canonical) {
    ApprovalPayload p = of(CanonicalJson.parse(Objects.requireNonNull(canonical, "canonical")));
    if (!p.canonical.equals(canonical)) {
      throw new ApprovalException("invalid_payload", "the stored payload is not in canonical form");
    }
    return p;
  }

  /** The canonical JSON text (UTF-8 when hashed). */
  public String canonical() {
    return canonical;
  }

  /** The SHA-256 of the canonical bytes, 64 lower-case hex digits. */
  public String sha256() {
    return sha256;
  }

  /** Whether {@code hex} is this payload's hash; compared in constant time, case-sensitively. */
  public boolean hashEquals(String hex) {
    if (hex == null) {
      return false;
    }
    return MessageDigest.isEqual(sha256.getBytes(StandardCharsets.US_ASCII), hex.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApprovalPayload p && p.sha256.equals(sha256);
  }

  @Override
  public int hashCode() {
    return sha256.hashCode();
  }

  @Override
  public String toString() {
    return "ApprovalPayload[sha256=" + sha256 + "]";
  }
}
