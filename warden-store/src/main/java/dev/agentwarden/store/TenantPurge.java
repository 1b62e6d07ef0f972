package dev.agentwarden.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEvent;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.crypto.TenantKeyId;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.json.CanonicalJson;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Purging a tenant, in one operator transaction: its data keyset is destroyed first, and its
 * tenant key once the transaction commits (crypto-shredding, {@link Vault#shred}: copies of its
 * ciphertexts and of its wrapped keyset in backups of the database become noise), its
 * audit chain goes through the purge path ({@link AuditLog#purge}), its row and with it every row
 * of every tenant table (ON DELETE CASCADE) and its API keys are deleted, and a {@code
 * tenant.purged} record is appended to the operator's own audit chain (the nil tenant id), which
 * is all that remains: counts and the last head of the purged chain, never tenant data.
 *
 * <p>Idempotent: purging a purged tenant returns the record of the first purge.
 */
public final class TenantPurge {
  /** The {@code tenant.purged} record in the operator's chain. */
  public record Receipt(TenantId tenant, long operatorSeq, Instant purgedAt, String actor, ObjectNode body) {}

  private final Vault vault;
  private final AuditLog audit;

  public TenantPurge(Vault vault, AuditLog audit) {
    this.vault = vault;
    this.audit = audit;
  }

  /**
   * Purges {@code tenant}, or finds the record of its earlier purge; empty when no such tenant
   * ever existed (the operator's own scope is no tenant).
   */
  public Optional<Receipt> purge(Tx operatorTx, TenantId tenant, String actor) throws SQLException {
    Tx tx = operatorTx; // moves between the tenant's scope and the operator's below
    if (!tx.tenant().isOperator()) {
      throw new StoreException("permission_denied", "only the operator scope can purge a tenant");
    }
    if (tenant.isOperator()) {
      return Optional.empty();
    }
    // Locks the row: a concurrent purge of the same tenant waits here, then finds the record.
    if (tx.queryOne("select id from tenants where id = ? for update", rs -> rs.getObject(1), tenant).isEmpty()) {
      return earlier(tx, tenant);
    }
    tx.actAs(tenant);
    long keys = count(tx, "api_keys");
    long secrets = count(tx, "vault_secrets");
    Optional<ObjectNode> head = tx.queryOne("select seq, hash from audit_heads", rs -> {
      ObjectNode h = JsonNodeFactory.instance.objectNode();
      h.put("seq", rs.getLong("seq"));
      h.put("hash", HexFormat.of().formatHex(rs.getBytes("hash")));
      return h;
    });
    Optional<String> keysetKek = vault.shred(tx, tenant);
    // The two tenant tables that do not reference tenants (written before a tenant row is read).
    tx.update("delete from rate_buckets");
    tx.update("delete from idempotency_keys");
    tx.actAs(TenantId.OPERATOR);
    long events = AuditLog.purge(tx, tenant);
    if (!tx.queryOne("select tenant_purge(?)", rs -> rs.getBoolean(1), tenant).orElse(false)) {
      throw new StoreException("purge_failed", "the tenant row could not be deleted");
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("tenant_id", tenant.toString());
    body.put("data_keyset_destroyed", keysetKek.isPresent());
    keysetKek.ifPresent(k -> body.put("keyset_kek_id", k));
    // With a tenant key, the key is destroyed once this commits, and a backup of the database
    // taken before now does not open either. A keyset wrapped by the KEK itself (made before
    // tenant keys) stays readable in such a backup until that KEK is rotated away (docs/vault.md).
    keysetKek.ifPresent(k -> body.put("backups_shredded", TenantKeyId.parse(k).isPresent()));
    body.put("secrets_shredded", secrets);
    body.put("api_keys_revoked", keys);
    body.put("audit_events_purged", events);
    head.ifPresent(h -> body.set("purged_chain_head", h));
    AuditEvent e = audit.appendToOperatorChain(tx, actor, AuditEventType.TENANT_PURGED, body);
    return Optional.of(new Receipt(tenant, e.seq(), e.ts(), e.actor(), e.body()));
  }

  private static Optional<Receipt> earlier(Tx tx, TenantId tenant) throws SQLException {
    return tx.queryOne("select seq, ts, actor, body from audit_events where tenant_id = ? and type = ?"
            + " and body::jsonb ->> 'tenant_id' = ? order by seq limit 1",
        rs -> new Receipt(tenant, rs.getLong("seq"), Tx.requiredInstant(rs, "ts"), rs.getString("actor"),
            (ObjectNode) CanonicalJson.parse(rs.getString("body"))),
        TenantId.OPERATOR, AuditEventType.TENANT_PURGED.wireName(), tenant.toString());
  }

  private static long count(Tx tx, String table) throws SQLException {
    return tx.queryOne("select count(*) from " + table, rs -> rs.getLong(1)).orElse(0L);
  }
}
