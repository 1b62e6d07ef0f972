package dev.agentwarden.core.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.crypto.Sha256;
import dev.agentwarden.core.json.CanonicalJson;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The chain rule of a tenant's audit log:
 *
 * <pre>
 *   genesis(t) = SHA-256("agentwarden.audit.genesis.v1" || 0x00 || UTF-8(t))
 *   hash_n     = SHA-256(prev_hash_n || canonical_json(event_n without hash and sig))
 *   prev_hash_1 = genesis(tenant_id), prev_hash_n = hash_(n-1)
 *   sig_n      = Ed25519(hash_n)            (the 32 raw bytes)
 * </pre>
 *
 * The genesis value is derived, not stored, so anyone can recompute it from the tenant id; two
 * tenants' chains can never be spliced together.
 */
public final class AuditChain {
  /** The event format version, the {@code v} member of every event. */
  public static final int FORMAT_VERSION = 1;

  private static final byte[] GENESIS_LABEL = "agentwarden.audit.genesis.v1".getBytes(StandardCharsets.US_ASCII);

  private AuditChain() {}

  /** The published, tenant-specific value the first event chains from. */
  public static HashValue genesis(String tenantId) {
    AuditEvent.requireTenantId(Objects.requireNonNull(tenantId, "tenantId"));
    return HashValue.wrap(
        Sha256.newHasher()
            .update(GENESIS_LABEL)
            .update((byte) 0)
            .update(tenantId.getBytes(StandardCharsets.UTF_8))
            .digest());
  }

  /**
   * Seals {@code entry} as event {@code seq} after {@code prevHash}: computes its hash and signs
   * it. Fails (never returns an unsigned event) if anything is wrong.
   */
  public static AuditEvent seal(AuditEntry entry, long seq, HashValue prevHash, AuditSigner signer) {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(prevHash, "prevHash");
    Objects.requireNonNull(signer, "signer");
    if (seq == 1 && !prevHash.equals(genesis(entry.tenantId()))) {
      throw new AuditException("audit_chain_broken", "event 1 must chain from the tenant's genesis value");
    }
    if (!signer.key().isValidAt(entry.ts())) {
      throw new AuditException("audit_key_not_valid", "signing key " + signer.keyId() + " is not valid at the event time");
    }
    AuditEvent unsigned =
        new AuditEvent(
            entry.tenantId(),
            seq,
            entry.ts(),
            entry.actor(),
            entry.type().wireName(),
            (ObjectNode) entry.bodyView(),
            prevHash,
            signer.keyId(),
            MerkleTree.emptyRoot(),
            "");
    HashValue hash = hashOf(prevHash, CanonicalJson.canonicalize(unsigned.contentJson()));
    String sig = Base64Url.encode(signer.sign(hash.raw()));
    return new AuditEvent(
        unsigned.tenantId(), seq, unsigned.ts(), unsigned.actor(), unsigned.type(), unsigned.body(),
        prevHash, signer.keyId(), hash, sig);
  }

  /** Recomputes an event's hash from its content (ignoring its recorded hash). */
  public static HashValue computeHash(AuditEvent event) {
    return hashOf(event.prevHash(), CanonicalJson.canonicalize(event.contentJson()));
  }

  /** Whether {@code event}'s signature verifies under {@code key}. */
  public static boolean signatureValid(AuditEvent event, AuditKey key) {
    return signatureValid(event.hash(), event.sig(), key);
  }

  static boolean signatureValid(HashValue hash, String sig, AuditKey key) {
    byte[] raw;
    try {
      raw = Base64Url.decode(sig);
    } catch (AuditException e) {
      return false;
    }
    return key.publicKey().verify(hash.raw(), raw);
  }

  static HashValue hashOf(HashValue prevHash, byte[] canonicalContent) {
    return HashValue.wrap(Sha256.newHasher().update(prevHash.raw()).update(canonicalContent).digest());
  }
}
