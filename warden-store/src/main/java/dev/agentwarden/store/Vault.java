package dev.agentwarden.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.crypto.CryptoException;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.KeysetStatus;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.crypto.TenantCipher;
import dev.agentwarden.core.crypto.TenantKeys;
import dev.agentwarden.core.crypto.WrappedKeyset;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.BrokeredSecret;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.core.vault.VaultException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The vault: tenants' secrets encrypted under their own data keyset, which is wrapped by the
 * key-encryption key (KEK) held only by this process.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>No method returns a secret in clear except {@link #broker}, and it decrypts only after
 *       the destination host passed the secret's allow-list (a refused host never causes a
 *       decryption, nor even a read of the ciphertext).
 *   <li>Reads of metadata never decrypt: the masked form is computed when a value is written.
 *   <li>{@link #open} refuses to start with a KEK that does not match the one the installation's
 *       keysets are wrapped with, naming both KEK ids.
 *   <li>The configured primary KEK wraps new keysets; previous KEKs (during a rotation) are used
 *       only to read, and a keyset read with one is re-wrapped with the primary on the spot.
 *   <li>{@link #shred} deletes a tenant's keyset: everything it encrypted is unrecoverable, in
 *       backups too.
 * </ul>
 */
public final class Vault {
  private static final byte[] CHECK_AD = "agentwarden.kek.check.v1".getBytes(StandardCharsets.US_ASCII);
  private static final int TENANT_PAGE = 200;

  private final Database db;
  private final KeyEncryptionKey primary;
  private final Map<String, KeyEncryptionKey> keks;

  private Vault(Database db, KeyEncryptionKey primary, Map<String, KeyEncryptionKey> keks) {
    this.db = db;
    this.primary = primary;
    this.keks = keks;
  }

  /**
   * Opens the vault with {@code primary} (and, while a KEK rotation is under way, the {@code
   * previous} KEKs) after proving them against the installation's KEK check values.
   *
   * @throws StoreException {@code kek_mismatch} when the installation depends on a KEK that is not
   *     configured, or a check value does not unwrap with the KEK of the same id
   */
  public static Vault open(Database db, KeyEncryptionKey primary, List<KeyEncryptionKey> previous) {
    Map<String, KeyEncryptionKey> keks = new LinkedHashMap<>();
    keks.put(primary.keyId(), primary);
    for (KeyEncryptionKey k : previous) {
      keks.putIfAbsent(k.keyId(), k);
    }
    db.asOperator(tx -> {
      List<KekChecks.Row> active = KekChecks.active(tx);
      for (KekChecks.Row row : active) {
        KeyEncryptionKey kek = keks.get(row.kekId());
        if (kek == null) {
          throw new StoreException(
              "kek_mismatch",
              "this installation's secrets are wrapped by KEK " + row.kekId()
                  + ", which is not configured (configured: " + String.join(", ", keks.keySet())
                  + "); start with the KEK this database was set up with, or pass it as the previous"
                  + " KEK during a rotation");
        }
        try {
          kek.unwrap(row.checkBlob(), CHECK_AD);
        } catch (CryptoException e) {
          throw new StoreException(
              "kek_mismatch", "KEK " + row.kekId() + " does not unwrap its check value: wrong key material");
        }
      }
      if (active.stream().noneMatch(r -> r.kekId().equals(primary.keyId()))) {
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        KekChecks.insertIfAbsent(tx, primary.keyId(), primary.wrap(probe, CHECK_AD));
      }
      return null;
    });
    return new Vault(db, primary, Map.copyOf(keks));
  }

  /** Id of the KEK new keysets are wrapped with. */
  public String primaryKekId() {
    return primary.keyId();
  }

  // ---- secrets --------------------------------------------------------------------------

  /**
   * Stores a new secret. @throws ConflictException when the name is taken in the tenant.
   */
  public VaultSecret create(
      TenantId tenant, SecretRef ref, SecretValue value, AllowedHosts hosts, Injection injection) {
    return create(tenant, ref, value, hosts, injection, ChangeRecorder.NONE);
  }

  /** As above, recording {@code secret.changed} (action {@code created}) in the same transaction. */
  public VaultSecret create(TenantId tenant, SecretRef ref, SecretValue value, AllowedHosts hosts, Injection injection,
      ChangeRecorder recorder) {
    return db.inTenant(tenant, tx -> {
      VaultSecret s = create(tx, ref, value, hosts, injection);
      recorder.record(tx, AuditEventType.SECRET_CHANGED, secretEvent("created", s));
      return s;
    });
  }

  static ObjectNode secretEvent(String action, VaultSecret s) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("action", action);
    body.put("secret", s.ref().uri());
    body.put("secret_id", s.id().toString());
    body.put("version", s.version());
    var hosts = body.putArray("allowed_hosts");
    s.allowedHosts().hosts().forEach(hosts::add);
    body.put("header", s.injection().header());
    return body;
  }

  VaultSecret create(Tx tx, SecretRef ref, SecretValue value, AllowedHosts hosts, Injection injection)
      throws SQLException {
    TenantCipher cipher = cipher(tx);
    UUID id = UUID.randomUUID();
    return VaultSecrets.insert(tx, id, ref, cipher.encrypt(id.toString(), value), value.masked(), hosts, injection);
  }

  public List<VaultSecret> list(TenantId tenant) {
    return db.inTenant(tenant, VaultSecrets::list);
  }

  public Optional<VaultSecret> find(TenantId tenant, SecretRef ref) {
    return db.inTenant(tenant, tx -> VaultSecrets.find(tx, ref));
  }

  /**
   * Replaces the value (rotation) and, when given, the allow-list and injection; the version
   * goes up by one. Empty when there is no such secret.
   */
  public Optional<VaultSecret> update(
      TenantId tenant,
      SecretRef ref,
      Optional<SecretValue> value,
      Optional<AllowedHosts> hosts,
      Optional<Injection> injection) {
    return update(tenant, ref, value, hosts, injection, ChangeRecorder.NONE);
  }

  /** As above, recording {@code secret.changed} ({@code rotated} or {@code updated}) in the same transaction. */
  public Optional<VaultSecret> update(TenantId tenant, SecretRef ref, Optional<SecretValue> value,
      Optional<AllowedHosts> hosts, Optional<Injection> injection, ChangeRecorder recorder) {
    return db.inTenant(tenant, tx -> {
      Optional<VaultSecret> s = update(tx, ref, value, hosts, injection);
      if (s.isPresent()) {
        recorder.record(tx, AuditEventType.SECRET_CHANGED, secretEvent(value.isPresent() ? "rotated" : "updated", s.get()));
      }
      return s;
    });
  }

  Optional<VaultSecret> update(
      Tx tx, SecretRef ref, Optional<SecretValue> value, Optional<AllowedHosts> hosts, Optional<Injection> injection)
      throws SQLException {
    Optional<VaultSecret> found = VaultSecrets.find(tx, ref);
    if (found.isEmpty()) {
      return found;
    }
    VaultSecret current = found.get();
    if (hosts.isPresent() || injection.isPresent()) {
      current = VaultSecrets.updateRules(
              tx, current.id(), hosts.orElse(current.allowedHosts()), injection.orElse(current.injection()))
          .orElseThrow();
    }
    if (value.isPresent()) {
      TenantCipher cipher = cipher(tx);
      current = VaultSecrets.replaceValue(
              tx, current.id(), cipher.encrypt(current.id().toString(), value.get()), value.get().masked())
          .orElseThrow();
    }
    return Optional.of(current);
  }

  /**
   * Deletes a secret. @throws VaultException {@code secret_in_use} while a provider uses it.
   */
  public boolean delete(TenantId tenant, SecretRef ref) {
    return delete(tenant, ref, ChangeRecorder.NONE);
  }

  /** As above, recording {@code secret.changed} (action {@code deleted}) in the same transaction. */
  public boolean delete(TenantId tenant, SecretRef ref, ChangeRecorder recorder) {
    return db.inTenant(tenant, tx -> {
      Optional<VaultSecret> found = VaultSecrets.find(tx, ref);
      if (found.isEmpty() || !delete(tx, ref)) {
        return false;
      }
      recorder.record(tx, AuditEventType.SECRET_CHANGED, secretEvent("deleted", found.get()));
      return true;
    });
  }

  boolean delete(Tx tx, SecretRef ref) throws SQLException {
    Optional<VaultSecret> found = VaultSecrets.find(tx, ref);
    if (found.isEmpty()) {
      return false;
    }
    List<String> users = tx.query(
        "select name from providers where secret_id = ? order by name", rs -> rs.getString(1), found.get().id());
    if (!users.isEmpty()) {
      throw new VaultException(
          "secret_in_use", "secret " + ref + " is used by provider " + String.join(", ", users));
    }
    return VaultSecrets.delete(tx, found.get().id());
  }

  // ---- brokering ------------------------------------------------------------------------

  /**
   * Releases a secret for one request to {@code destinationHost}, which the egress step has
   * already checked against the network policy. The secret's allow-list is checked first; a
   * host outside it is refused before the ciphertext is even read.
   *
   * @throws VaultException {@code secret_not_found}, or {@code host_not_allowed} (no decryption)
   */
  public BrokeredSecret broker(TenantId tenant, SecretRef ref, String destinationHost) {
    return db.inTenant(tenant, tx -> broker(tx, ref, destinationHost));
  }

  BrokeredSecret broker(Tx tx, SecretRef ref, String destinationHost) throws SQLException {
    VaultSecret meta = VaultSecrets.find(tx, ref)
        .orElseThrow(() -> new VaultException("secret_not_found", "no secret " + ref + " in this tenant"));
    return broker(tx, meta, destinationHost);
  }

  BrokeredSecret broker(Tx tx, VaultSecret meta, String destinationHost) throws SQLException {
    requireAllowedHost(meta, destinationHost);
    byte[] ciphertext = VaultSecrets.ciphertext(tx, meta.id()).orElseThrow();
    SecretValue value = cipher(tx).decrypt(meta.id().toString(), ciphertext);
    return BrokeredSecret.of(meta.ref(), meta.injection(), value);
  }

  /**
   * Reads the secret {@code ref} for one outbound call without decrypting it: the call's own
   * transaction reads it with everything else the call checks, and egress releases it (allowed
   * host check, then decryption) with no database round trip of its own.
   *
   * @throws VaultException {@code secret_not_found}
   */
  public SealedSecret seal(Tx tx, SecretRef ref) throws SQLException {
    VaultSecrets.Sealed row = VaultSecrets.sealed(tx, ref)
        .orElseThrow(() -> new VaultException("secret_not_found", "no secret " + ref + " in this tenant"));
    WrappedKeyset dataKey = currentKeyset(tx, false);
    TenantId tenant = tx.tenant();
    return new SealedSecret(row.meta(), row.ciphertext(), () -> TenantKeys.open(tenant, dataKey, primary));
  }

  static void requireAllowedHost(VaultSecret meta, String destinationHost) {
    if (!meta.allowedHosts().permits(destinationHost)) {
      throw new VaultException(
          "host_not_allowed",
          "secret " + meta.ref() + " may not be sent to " + printableHost(destinationHost)
              + " (allowed: " + String.join(", ", meta.allowedHosts().hosts()) + ")");
    }
  }

  private static String printableHost(String host) {
    if (host == null) {
      return "no host";
    }
    String h = host.length() > 100 ? host.substring(0, 100) + "..." : host;
    return h.replaceAll("[^\\x21-\\x7e]", "?");
  }

  // ---- keys -----------------------------------------------------------------------------

  /**
   * Rotates the tenant's data key: adds a new primary key, re-encrypts every secret with it and
   * retires the old keys, in one transaction (a failure leaves everything as it was).
   */
  public KeysetStatus rotateDataKey(TenantId tenant) {
    return db.inTenant(tenant, tx -> {
      WrappedKeyset current = currentKeyset(tx, true);
      WrappedKeyset rotated = TenantKeys.rotate(tx.tenant(), current, primary);
      TenantCipher cipher = TenantKeys.open(tx.tenant(), rotated, primary);
      for (VaultSecrets.Row row : VaultSecrets.allForUpdate(tx)) {
        VaultSecrets.reencrypted(tx, row.id(), cipher.reencrypt(row.id().toString(), row.ciphertext()));
      }
      WrappedKeyset retired = TenantKeys.retireOldKeys(tx.tenant(), rotated, primary);
      WrappedKeysets.replace(tx, retired);
      return TenantKeys.status(tx.tenant(), retired, primary);
    });
  }

  /**
   * KEK rotation: re-wraps every tenant's keyset that is not yet wrapped by the primary KEK (no
   * ciphertext changes), then retires the other KEKs' check values so that later starts need
   * only the new KEK. Returns the number of keysets re-wrapped.
   */
  public int rewrapAll() {
    int rewrapped = 0;
    Optional<TenantId> after = Optional.empty();
    while (true) {
      Optional<TenantId> cursor = after;
      List<Tenant> page = db.asOperator(tx -> Tenants.list(tx, TENANT_PAGE, cursor));
      for (Tenant t : page) {
        rewrapped += db.inTenant(t.id(), tx -> {
          Optional<WrappedKeyset> ws = WrappedKeysets.find(tx, true);
          if (ws.isEmpty() || ws.get().kekId().equals(primary.keyId())) {
            return 0;
          }
          WrappedKeysets.replace(tx, TenantKeys.rewrap(tx.tenant(), ws.get(), kekFor(tx, ws.get()), primary));
          return 1;
        });
      }
      if (page.size() < TENANT_PAGE) {
        break;
      }
      after = Optional.of(page.getLast().id());
    }
    db.asOperator(tx -> KekChecks.retireAllBut(tx, primary.keyId()));
    return rewrapped;
  }

  /** The installation's key state, for {@code warden keys status}; reveals no key material. */
  public KeysReport report() {
    List<String> activeKeks = db.asOperator(tx -> KekChecks.active(tx).stream().map(KekChecks.Row::kekId).toList());
    List<TenantKeyState> tenants = new ArrayList<>();
    Optional<TenantId> after = Optional.empty();
    while (true) {
      Optional<TenantId> cursor = after;
      List<Tenant> page = db.asOperator(tx -> Tenants.list(tx, TENANT_PAGE, cursor));
      for (Tenant t : page) {
        db.inTenant(t.id(), tx -> {
          Optional<WrappedKeyset> ws = WrappedKeysets.find(tx, false);
          if (ws.isEmpty()) {
            return null;
          }
          KeyEncryptionKey kek = keks.get(ws.get().kekId());
          long secrets = tx.queryOne("select count(*) from vault_secrets", rs -> rs.getLong(1)).orElse(0L);
          if (kek == null) {
            tenants.add(new TenantKeyState(t.id(), ws.get().kekId(), false, 0, secrets));
            return null;
          }
          KeysetStatus s = TenantKeys.status(tx.tenant(), ws.get(), kek);
          tenants.add(new TenantKeyState(t.id(), s.kekId(), true, s.keyCount(), secrets));
          return null;
        });
      }
      if (page.size() < TENANT_PAGE) {
        break;
      }
      after = Optional.of(page.getLast().id());
    }
    return new KeysReport(primary.keyId(), activeKeks, tenants);
  }

  /** Key state of the installation: the primary KEK, KEKs still depended on, per-tenant keysets. */
  public record KeysReport(String primaryKekId, List<String> activeKekIds, List<TenantKeyState> tenants) {}

  /**
   * One tenant's keyset: the KEK wrapping it, whether this process holds that KEK, how many data
   * keys it has and how many secrets it protects.
   */
  public record TenantKeyState(TenantId tenant, String kekId, boolean kekAvailable, int dataKeys, long secrets) {}

  /**
   * Crypto-shredding: deletes the tenant's keyset (and its secrets and providers). Afterwards no
   * key anywhere decrypts what the tenant stored, including copies in backups.
   */
  public void shred(TenantId tenant) {
    db.inTenant(tenant, tx -> {
      shred(tx);
      return null;
    });
  }

  void shred(Tx tx) throws SQLException {
    tx.update("delete from providers");
    VaultSecrets.deleteAll(tx);
    WrappedKeysets.delete(tx);
  }

  /** The tenant's cipher; creates the keyset on first use, re-wraps it if a previous KEK wrapped it. */
  TenantCipher cipher(Tx tx) throws SQLException {
    return TenantKeys.open(tx.tenant(), currentKeyset(tx, false), primary);
  }

  private WrappedKeyset currentKeyset(Tx tx, boolean lock) throws SQLException {
    Optional<WrappedKeyset> found = WrappedKeysets.find(tx, lock);
    if (found.isEmpty()) {
      return WrappedKeysets.insertIfAbsent(tx, TenantKeys.create(tx.tenant(), primary));
    }
    WrappedKeyset ws = found.get();
    if (!ws.kekId().equals(primary.keyId()) && keks.containsKey(ws.kekId())) {
      ws = TenantKeys.rewrap(tx.tenant(), ws, keks.get(ws.kekId()), primary);
      WrappedKeysets.replace(tx, ws);
    }
    return ws;
  }

  private KeyEncryptionKey kekFor(Tx tx, WrappedKeyset ws) {
    KeyEncryptionKey kek = keks.get(ws.kekId());
    if (kek == null) {
      throw new StoreException(
          "kek_mismatch",
          "the keyset of tenant " + tx.tenant() + " is wrapped by KEK " + ws.kekId() + ", which is not configured");
    }
    return kek;
  }
}
