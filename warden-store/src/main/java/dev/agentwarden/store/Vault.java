package dev.agentwarden.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.crypto.CryptoException;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.KeysetStatus;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.crypto.TenantCipher;
import dev.agentwarden.core.crypto.TenantKeyId;
import dev.agentwarden.core.crypto.TenantKeyProvider;
import dev.agentwarden.core.crypto.TenantKeyStatus;
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
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The vault: tenants' secrets encrypted under their own data keyset, which is wrapped by the
 * tenant's own key from a {@link TenantKeyProvider} (the key directory, or a KMS), whose keys are
 * in turn protected by the key-encryption key (KEK) held only by this process. Neither the KEK nor
 * a tenant key is ever in the database.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>No method returns a secret in clear except {@link #broker}, and it decrypts only after
 *       the destination host passed the secret's allow-list (a refused host never causes a
 *       decryption, nor even a read of the ciphertext).
 *   <li>Reads of metadata never decrypt: the masked form is computed when a value is written.
 *   <li>{@link #open} refuses to start with a KEK that does not match the one the installation's
 *       keys are protected with, naming both KEK ids.
 *   <li>A tenant's keyset is created wrapped by a new key of the tenant's own. A keyset from
 *       before tenant keys (wrapped by a KEK directly) moves to a tenant key on first use, by
 *       {@link #migrateLegacyKeysets} or by {@link #rewrapAll}.
 *   <li>A keyset whose tenant key is missing or does not open fails for that tenant only, with
 *       {@code tenant_key_missing} or {@code tenant_key_unreadable}; it is never replaced by a
 *       new keyset behind the operator's back. {@link #tenantKeyCheck} lists such tenants at start.
 *   <li>{@link #shred} deletes a tenant's keyset and, once that has committed, destroys its
 *       tenant key: everything the tenant stored is unrecoverable, in backups of the database
 *       too, since no backup of the database holds the tenant key.
 * </ul>
 */
public final class Vault {
  private static final byte[] CHECK_AD = "agentwarden.kek.check.v1".getBytes(StandardCharsets.US_ASCII);
  private static final int TENANT_PAGE = 200;

  private final Database db;
  private final KeyEncryptionKey primary;
  private final Map<String, KeyEncryptionKey> keks;
  private final TenantKeyProvider tenantKeys;
  /**
   * Data keys opened for brokering, by tenant and exact wrapped keyset, for a few seconds: a
   * model call then skips reading the tenant key and unwrapping. An entry is found only with the
   * wrapped keyset read from the database in the call's own transaction, so a rotated or purged
   * keyset never finds one; entries expire after {@link #OPENED_FOR_NANOS}.
   */
  private final java.util.concurrent.ConcurrentHashMap<OpenedKey, Opened> opened =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final long OPENED_FOR_NANOS = 5_000_000_000L;
  private static final int MAX_OPENED = 1_000;

  private record OpenedKey(TenantId tenant, WrappedKeyset keyset) {}

  private record Opened(TenantCipher cipher, long at) {}

  private Vault(Database db, KeyEncryptionKey primary, Map<String, KeyEncryptionKey> keks, TenantKeyProvider tenantKeys) {
    this.db = db;
    this.primary = primary;
    this.keks = keks;
    this.tenantKeys = tenantKeys;
  }

  /**
   * Opens the vault with {@code primary} (and, while a KEK rotation is under way, the {@code
   * previous} KEKs) after proving them against the installation's KEK check values, with the
   * tenants' keys in {@code tenantKeys}; then finishes destroying the keys of tenants whose purge
   * committed while a process stopped before it could destroy them.
   *
   * @throws StoreException {@code kek_mismatch} when the installation depends on a KEK that is not
   *     configured, or a check value does not unwrap with the KEK of the same id
   */
  public static Vault open(
      Database db, KeyEncryptionKey primary, List<KeyEncryptionKey> previous, TenantKeyProvider tenantKeys) {
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
    Vault vault = new Vault(db, primary, Map.copyOf(keks), tenantKeys);
    vault.finishKeyDestructions();
    return vault;
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
    // The keyset came with the secret; a missing or legacy one takes the usual path.
    WrappedKeyset dataKey = row.keyset().isPresent() && !isLegacy(row.keyset().get())
        ? row.keyset().get() : currentKeyset(tx, false);
    TenantId tenant = tx.tenant();
    // Released at egress: the tenant key comes from the key directory (or KMS), not the database.
    return new SealedSecret(row.meta(), row.ciphertext(), () -> openForBrokering(tenant, dataKey));
  }

  private TenantCipher openForBrokering(TenantId tenant, WrappedKeyset dataKey) {
    long now = System.nanoTime();
    OpenedKey k = new OpenedKey(tenant, dataKey);
    Opened o = opened.get(k);
    if (o != null && now - o.at() < OPENED_FOR_NANOS) {
      return o.cipher();
    }
    TenantCipher cipher = TenantKeys.open(tenant, dataKey, wrappingKey(tenant, dataKey));
    if (opened.size() >= MAX_OPENED) {
      opened.values().removeIf(x -> now - x.at() >= OPENED_FOR_NANOS);
      if (opened.size() >= MAX_OPENED) {
        opened.clear();
      }
    }
    opened.put(k, new Opened(cipher, now));
    return cipher;
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
      KeyEncryptionKey key = wrappingKey(tx.tenant(), current);
      WrappedKeyset rotated = TenantKeys.rotate(tx.tenant(), current, key);
      TenantCipher cipher = TenantKeys.open(tx.tenant(), rotated, key);
      for (VaultSecrets.Row row : VaultSecrets.allForUpdate(tx)) {
        VaultSecrets.reencrypted(tx, row.id(), cipher.reencrypt(row.id().toString(), row.ciphertext()));
      }
      WrappedKeyset retired = TenantKeys.retireOldKeys(tx.tenant(), rotated, key);
      WrappedKeysets.replace(tx, retired);
      return TenantKeys.status(tx.tenant(), retired, key);
    });
  }

  /** What a KEK rotation did. */
  public record KekRotation(int keysetsMoved, int tenantKeysResealed) {}

  /**
   * KEK rotation: moves every keyset still wrapped by a KEK directly to a tenant key, seals every
   * tenant key under the primary KEK (no keyset and no ciphertext changes), then retires the other
   * KEKs' check values so that later starts need only the new KEK.
   */
  public KekRotation rewrapAll() {
    int moved = migrateLegacyKeysets();
    int resealed = tenantKeys.rewrapAll();
    db.asOperator(tx -> KekChecks.retireAllBut(tx, primary.keyId()));
    return new KekRotation(moved, resealed);
  }

  /**
   * Moves every keyset that a KEK wraps directly (made before tenants had keys of their own) to a
   * new tenant key, one tenant per transaction. Returns how many moved. A backup taken before the
   * move still holds the KEK-wrapped keyset: it stays readable until that KEK is rotated away.
   */
  public int migrateLegacyKeysets() {
    int moved = 0;
    for (TenantId t : tenantIds()) {
      moved += db.inTenant(t, tx -> {
        Optional<WrappedKeyset> ws = WrappedKeysets.find(tx, false);
        if (ws.isEmpty() || !isLegacy(ws.get())) {
          return 0;
        }
        return moveToTenantKey(tx).equals(ws.get()) ? 0 : 1;
      });
    }
    return moved;
  }

  /** The installation's key state, for {@code warden keys status}; reveals no key material. */
  public KeysReport report() {
    List<String> activeKeks = db.asOperator(tx -> KekChecks.active(tx).stream().map(KekChecks.Row::kekId).toList());
    List<TenantKeyState> tenants = new ArrayList<>();
    for (TenantId t : tenantIds()) {
      db.inTenant(t, tx -> {
        Optional<WrappedKeyset> ws = WrappedKeysets.find(tx, false);
        if (ws.isPresent()) {
          long secrets = tx.queryOne("select count(*) from vault_secrets", rs -> rs.getLong(1)).orElse(0L);
          tenants.add(state(tx.tenant(), ws.get(), secrets));
        }
        return null;
      });
    }
    Set<String> used = tenants.stream().map(TenantKeyState::wrappingKeyId).collect(Collectors.toSet());
    List<String> orphans = tenantKeys.keyIds().stream().map(TenantKeyId::toString).filter(id -> !used.contains(id))
        .toList();
    List<String> pending = db.asOperator(tx -> TenantKeyDestructions.pending(tx).stream()
        .map(p -> p.keyId() + p.lastError().map(e -> " (" + e + ")").orElse("")).toList());
    return new KeysReport(primary.keyId(), activeKeks, tenantKeyStore(), tenants, orphans, pending);
  }

  private TenantKeyState state(TenantId tenant, WrappedKeyset ws, long secrets) {
    Optional<TenantKeyId> id = TenantKeyId.parse(ws.kekId());
    if (id.isEmpty()) {
      KeyEncryptionKey kek = keks.get(ws.kekId());
      if (kek == null) {
        return new TenantKeyState(tenant, ws.kekId(), KeyState.KEK_NOT_GIVEN, Optional.empty(), 0, secrets,
            "wrapped by KEK " + ws.kekId() + ", which was not given");
      }
      try {
        KeysetStatus s = TenantKeys.status(tenant, ws, kek);
        return new TenantKeyState(tenant, ws.kekId(), KeyState.LEGACY_KEK, Optional.empty(), s.keyCount(), secrets,
            "wrapped by the KEK itself: backups stay readable with it; moves to a tenant key on first use or with"
                + " 'warden keys migrate-tenant-keys'");
      } catch (CryptoException e) {
        return new TenantKeyState(tenant, ws.kekId(), KeyState.UNREADABLE, Optional.empty(), 0, secrets, e.getMessage());
      }
    }
    TenantKeyStatus st = tenantKeys.status(id.get());
    if (st.state() != TenantKeyStatus.State.PRESENT) {
      KeyState state = st.state() == TenantKeyStatus.State.MISSING ? KeyState.MISSING : KeyState.UNREADABLE;
      return new TenantKeyState(tenant, ws.kekId(), state, st.masterKeyId(), 0, secrets, st.detail());
    }
    try {
      KeysetStatus s = TenantKeys.status(tenant, ws, tenantKeys.key(id.get()));
      return new TenantKeyState(tenant, ws.kekId(), KeyState.TENANT_KEY, st.masterKeyId(), s.keyCount(), secrets,
          st.detail());
    } catch (CryptoException e) {
      return new TenantKeyState(tenant, ws.kekId(), KeyState.UNREADABLE, st.masterKeyId(), 0, secrets, e.getMessage());
    }
  }

  /** Where the tenant keys are kept (the key directory, or the KMS), for messages to operators. */
  public String tenantKeyStore() {
    return tenantKeys.describe();
  }

  /**
   * Key state of the installation: the primary KEK, KEKs still depended on, where the tenant keys
   * live, per-tenant keysets, tenant keys no keyset uses, and destructions not yet done.
   */
  public record KeysReport(String primaryKekId, List<String> activeKekIds, String tenantKeyStore,
      List<TenantKeyState> tenants, List<String> unusedTenantKeys, List<String> pendingDestructions) {}

  /** How a tenant's keyset is wrapped, and whether it opens. */
  public enum KeyState {
    /** By the tenant's own key, which is there and opens. */
    TENANT_KEY,
    /** By a KEK directly (made before tenant keys); readable, moves to a tenant key on first use. */
    LEGACY_KEK,
    /** By a tenant key that the key store does not hold. */
    MISSING,
    /** By a tenant key that does not open (altered, swapped, or sealed under a KEK not given). */
    UNREADABLE,
    /** By a KEK that was not given. */
    KEK_NOT_GIVEN;

    /** Whether the tenant's secrets can be decrypted. */
    public boolean readable() {
      return this == TENANT_KEY || this == LEGACY_KEK;
    }
  }

  /**
   * One tenant's keyset: the key wrapping it, its state, the KEK that key is sealed under, how
   * many data keys it has, how many secrets it protects, and a line for the operator.
   */
  public record TenantKeyState(TenantId tenant, String wrappingKeyId, KeyState state, Optional<String> sealedUnder,
      int dataKeys, long secrets, String detail) {}

  /** A tenant whose keyset cannot be opened, found at start. */
  public record TenantKeyProblem(TenantId tenant, String wrappingKeyId, KeyState state, String detail) {}

  /** The start-up check: tenants whose keys are not usable, and how many keysets are still legacy. */
  public record TenantKeyCheck(List<TenantKeyProblem> problems, int tenantKeysets, int legacyKeysets) {}

  /**
   * Checks that every tenant's keyset names a key that is there and opens (the tenant keys are
   * opened, not only listed), without failing: a tenant whose key is missing fails on its own
   * requests, clearly, and the others keep working. For the start-up log.
   */
  public TenantKeyCheck tenantKeyCheck() {
    List<TenantKeyProblem> problems = new ArrayList<>();
    int withKeys = 0;
    int legacy = 0;
    for (KeysetRef ref : keysetRefs()) {
      Optional<TenantKeyId> id = TenantKeyId.parse(ref.wrappingKeyId());
      if (id.isEmpty()) {
        legacy++;
        if (!keks.containsKey(ref.wrappingKeyId())) {
          problems.add(new TenantKeyProblem(ref.tenant(), ref.wrappingKeyId(), KeyState.KEK_NOT_GIVEN,
              "the keyset of tenant " + ref.tenant() + " is wrapped by KEK " + ref.wrappingKeyId()
                  + ", which is not configured"));
        }
        continue;
      }
      withKeys++;
      TenantKeyStatus st = tenantKeys.status(id.get());
      if (st.state() != TenantKeyStatus.State.PRESENT) {
        problems.add(new TenantKeyProblem(ref.tenant(), ref.wrappingKeyId(),
            st.state() == TenantKeyStatus.State.MISSING ? KeyState.MISSING : KeyState.UNREADABLE, st.detail()));
      }
    }
    return new TenantKeyCheck(problems, withKeys, legacy);
  }

  private record KeysetRef(TenantId tenant, String wrappingKeyId) {}

  /** Every tenant's keyset reference, read page by page in operator transactions that visit each tenant. */
  private List<KeysetRef> keysetRefs() {
    List<KeysetRef> out = new ArrayList<>();
    Optional<TenantId> after = Optional.empty();
    while (true) {
      Optional<TenantId> cursor = after;
      List<Tenant> page = db.asOperator(tx -> {
        List<Tenant> tenants = Tenants.list(tx, TENANT_PAGE, cursor);
        for (Tenant t : tenants) {
          tx.actAs(t.id());
          WrappedKeysets.find(tx, false).ifPresent(ws -> out.add(new KeysetRef(t.id(), ws.kekId())));
        }
        tx.actAs(TenantId.OPERATOR);
        return tenants;
      });
      if (page.size() < TENANT_PAGE) {
        return out;
      }
      after = Optional.of(page.getLast().id());
    }
  }

  private List<TenantId> tenantIds() {
    List<TenantId> out = new ArrayList<>();
    Optional<TenantId> after = Optional.empty();
    while (true) {
      Optional<TenantId> cursor = after;
      List<Tenant> page = db.asOperator(tx -> Tenants.list(tx, TENANT_PAGE, cursor));
      page.forEach(t -> out.add(t.id()));
      if (page.size() < TENANT_PAGE) {
        return out;
      }
      after = Optional.of(page.getLast().id());
    }
  }

  // ---- shredding ------------------------------------------------------------------------

  /**
   * Crypto-shredding: deletes the tenant's keyset (and its secrets and providers) and, once that
   * has committed, destroys the tenant's keys. Afterwards no key anywhere decrypts what the tenant
   * stored, including copies of the database in backups.
   */
  public void shred(TenantId tenant) {
    db.asOperator(tx -> shred(tx, tenant));
  }

  /**
   * As {@link #shred(TenantId)}, inside an operator transaction (tenant purge), which is left in
   * the scope it was in. The tenant's keys are recorded for destruction in this transaction and
   * destroyed after it commits (a purge that rolls back has shredded nothing); a process that
   * stops in between destroys them at its next start. Returns the id of the key that wrapped the
   * keyset, if there was one.
   */
  Optional<String> shred(Tx tx, TenantId tenant) throws SQLException {
    TenantId scope = tx.tenant();
    tx.actAs(tenant);
    Optional<WrappedKeyset> ws = WrappedKeysets.find(tx, true);
    tx.update("delete from providers");
    VaultSecrets.deleteAll(tx);
    WrappedKeysets.delete(tx);
    tx.actAs(TenantId.OPERATOR);
    // Every key of the tenant's: the keyset's, and any a crashed transaction left unused.
    Set<TenantKeyId> keys = new java.util.LinkedHashSet<>();
    ws.flatMap(w -> TenantKeyId.parse(w.kekId())).filter(id -> id.tenant().equals(tenant)).ifPresent(keys::add);
    tenantKeys.keyIds().stream().filter(id -> id.tenant().equals(tenant)).forEach(keys::add);
    for (TenantKeyId id : keys) {
      TenantKeyDestructions.request(tx, id);
      tx.afterCommit(() -> destroyTenantKey(id));
    }
    tx.afterCommit(() -> opened.keySet().removeIf(k -> k.tenant().equals(tenant)));
    tx.actAs(scope);
    return ws.map(WrappedKeyset::kekId);
  }

  /**
   * Destroys the tenant keys whose destruction a committed purge recorded and that are not gone
   * yet; returns how many it destroyed. Called at open; a key that a live tenant's keyset still
   * names is never destroyed (the record is marked instead).
   */
  public int finishKeyDestructions() {
    int destroyed = 0;
    for (TenantKeyDestructions.Pending p : db.asOperator(TenantKeyDestructions::pending)) {
      boolean inUse = db.asOperator(tx -> {
        if (Tenants.find(tx, p.purgedTenant()).isEmpty()) {
          return false;
        }
        tx.actAs(p.purgedTenant());
        boolean used = WrappedKeysets.find(tx, false).map(w -> w.kekId().equals(p.keyId().toString())).orElse(false);
        tx.actAs(TenantId.OPERATOR);
        return used;
      });
      if (inUse) {
        db.asOperator(tx -> {
          TenantKeyDestructions.failed(tx, p.keyId(), "not destroyed: the keyset of a live tenant uses it");
          return null;
        });
        continue;
      }
      destroyed += destroyTenantKey(p.keyId()) ? 1 : 0;
    }
    return destroyed;
  }

  private boolean destroyTenantKey(TenantKeyId id) {
    try {
      tenantKeys.destroyKey(id);
      db.asOperator(tx -> {
        TenantKeyDestructions.done(tx, id);
        return null;
      });
      return true;
    } catch (RuntimeException e) {
      String error = e.getClass().getSimpleName() + ": " + e.getMessage();
      try {
        db.asOperator(tx -> {
          TenantKeyDestructions.failed(tx, id, error);
          return null;
        });
      } catch (RuntimeException again) {
        e.addSuppressed(again);
      }
      return false;
    }
  }

  // ---- the tenant's keyset --------------------------------------------------------------

  /**
   * The tenant's cipher; creates the keyset (under a new tenant key) on first use, and moves a
   * keyset that a KEK wraps directly to a tenant key.
   */
  TenantCipher cipher(Tx tx) throws SQLException {
    WrappedKeyset ws = currentKeyset(tx, false);
    return TenantKeys.open(tx.tenant(), ws, wrappingKey(tx.tenant(), ws));
  }

  private WrappedKeyset currentKeyset(Tx tx, boolean lock) throws SQLException {
    Optional<WrappedKeyset> found = WrappedKeysets.find(tx, lock);
    if (found.isEmpty()) {
      return createKeyset(tx);
    }
    return isLegacy(found.get()) ? moveToTenantKey(tx) : found.get();
  }

  private WrappedKeyset createKeyset(Tx tx) throws SQLException {
    KeyEncryptionKey key = newTenantKey(tx);
    WrappedKeyset mine = TenantKeys.create(tx.tenant(), key);
    WrappedKeyset stored = WrappedKeysets.insertIfAbsent(tx, mine);
    if (!stored.equals(mine)) {
      // Another transaction created the tenant's keyset first: this key wraps nothing.
      tenantKeys.destroyKey(tenantKeyId(key));
    }
    return stored;
  }

  /** Re-wraps a keyset that a KEK wraps directly with a new tenant key (the row is locked first). */
  private WrappedKeyset moveToTenantKey(Tx tx) throws SQLException {
    WrappedKeyset ws = WrappedKeysets.find(tx, true).orElseThrow();
    if (!isLegacy(ws)) {
      return ws; // another transaction moved it while this one waited for the lock
    }
    KeyEncryptionKey from = kekFor(tx.tenant(), ws);
    KeyEncryptionKey key = newTenantKey(tx);
    WrappedKeyset moved = TenantKeys.rewrap(tx.tenant(), ws, from, key);
    WrappedKeysets.replace(tx, moved);
    return moved;
  }

  /** A new key for the transaction's tenant, destroyed again if the transaction rolls back. */
  private KeyEncryptionKey newTenantKey(Tx tx) {
    KeyEncryptionKey key = tenantKeys.createKey(tx.tenant());
    TenantKeyId id = tenantKeyId(key);
    tx.afterRollback(() -> tenantKeys.destroyKey(id));
    return key;
  }

  private static TenantKeyId tenantKeyId(KeyEncryptionKey key) {
    return TenantKeyId.parse(key.keyId()).orElseThrow(() -> new StoreException("internal",
        "the tenant key provider returned a key named " + key.keyId() + ", which is not a tenant key id"));
  }

  private KeyEncryptionKey wrappingKey(TenantId tenant, WrappedKeyset ws) {
    Optional<TenantKeyId> id = TenantKeyId.parse(ws.kekId());
    if (id.isEmpty()) {
      return kekFor(tenant, ws);
    }
    if (!id.get().tenant().equals(tenant)) {
      throw new StoreException("keyset_unwrap_failed",
          "the data keyset of tenant " + tenant + " names a key of another tenant: the row was copied");
    }
    return tenantKeys.key(id.get());
  }

  private static boolean isLegacy(WrappedKeyset ws) {
    return TenantKeyId.parse(ws.kekId()).isEmpty();
  }

  private KeyEncryptionKey kekFor(TenantId tenant, WrappedKeyset ws) {
    KeyEncryptionKey kek = keks.get(ws.kekId());
    if (kek == null) {
      throw new StoreException(
          "kek_mismatch",
          "the keyset of tenant " + tenant + " is wrapped by KEK " + ws.kekId() + ", which is not configured");
    }
    return kek;
  }
}
