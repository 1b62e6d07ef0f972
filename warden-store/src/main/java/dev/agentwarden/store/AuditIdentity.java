package dev.agentwarden.store;

import dev.agentwarden.core.audit.AuditKey;
import dev.agentwarden.core.audit.AuditKeyring;
import dev.agentwarden.core.audit.AuditSigner;
import dev.agentwarden.core.crypto.CryptoException;
import dev.agentwarden.core.crypto.Ed25519;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The gateway's audit signing identity, shared by every gateway process on one database.
 *
 * <p>Where the private key lives: in {@code audit_signing_keys}, only wrapped (AES-256-GCM) by
 * the installation's key-encryption key, with the key id as associated data, so a row cannot be
 * swapped for another key's. The KEK is never in the database (a key file or an environment
 * variable, as for the vault), so a database dump alone cannot sign. Every process configured
 * with the same database and KEK signs with the same key; public keys are published in clear,
 * and stay published after rotation.
 */
final class AuditIdentity {
  private static final long CREATE_LOCK = 0x7761726465_6e61L; // "wardena": pg advisory lock id

  private final KeyEncryptionKey kek;
  private final List<KeyEncryptionKey> previousKeks;
  private final SecureRandom random;
  private volatile AuditSigner signer;

  private AuditIdentity(KeyEncryptionKey kek, List<KeyEncryptionKey> previousKeks, SecureRandom random, AuditSigner signer) {
    this.kek = kek;
    this.previousKeks = previousKeks;
    this.random = random;
    this.signer = signer;
  }

  /**
   * Loads the active signing key, creating the first one if the installation has none. A key
   * still wrapped by one of {@code previousKeks} (after a KEK rotation) is re-wrapped by {@code kek}.
   */
  static AuditIdentity loadOrCreate(Database db, KeyEncryptionKey kek, List<KeyEncryptionKey> previousKeks, SecureRandom random) {
    Objects.requireNonNull(kek, "kek");
    List<KeyEncryptionKey> previous = List.copyOf(previousKeks);
    AuditSigner signer = db.asOperator(tx -> {
      // Two processes starting on an empty installation must not both create a key, nor both re-wrap.
      tx.query("select pg_advisory_xact_lock(?)", rs -> null, CREATE_LOCK);
      Optional<AuditSigner> active = active(tx, kek, previous);
      return active.isPresent() ? active.get() : create(tx, kek, random);
    });
    return new AuditIdentity(kek, previous, random, signer);
  }

  AuditSigner signer() {
    return signer;
  }

  /** The signer of {@code activeKeyId}, which the caller locked FOR SHARE; reloads after a rotation elsewhere. */
  AuditSigner signerFor(Tx tx, String activeKeyId) throws SQLException {
    AuditSigner current = signer;
    if (current.key().keyId().equals(activeKeyId)) {
      return current;
    }
    AuditSigner reloaded = active(tx, kek, previousKeks)
        .filter(s -> s.key().keyId().equals(activeKeyId))
        .orElseThrow(() -> new StoreException("audit_identity_missing", "the active audit signing key cannot be loaded"));
    signer = reloaded;
    return reloaded;
  }

  /**
   * The signer for the key that is active in this transaction, locked against rotation until
   * the transaction ends ({@code FOR SHARE}). Reloads when another process rotated.
   */
  AuditSigner activeSigner(Tx tx) throws SQLException {
    for (int attempt = 0; attempt < 3; attempt++) {
      Optional<String> keyId = tx.queryOne(
          "select key_id from audit_signing_keys where valid_to is null for share", rs -> rs.getString(1));
      if (keyId.isEmpty()) {
        continue; // a rotation committed while we waited for the lock: the new row is visible to the next statement
      }
      AuditSigner current = signer;
      if (current.key().keyId().equals(keyId.get())) {
        return current;
      }
      AuditSigner reloaded = active(tx, kek, previousKeks).orElseThrow(() -> new StoreException("audit_identity_missing", "no active audit signing key"));
      signer = reloaded;
      return reloaded;
    }
    throw new StoreException("audit_identity_missing", "no active audit signing key");
  }

  /** Every key that ever signed, for verification and publication. */
  static List<AuditKey> published(Tx tx) throws SQLException {
    return tx.query(
        "select key_id, public_key, valid_from, valid_to from audit_signing_keys order by valid_from",
        rs -> new AuditKey(
            rs.getString("key_id"),
            Ed25519.PublicKey.of(rs.getBytes("public_key")),
            Tx.requiredInstant(rs, "valid_from"),
            Tx.instant(rs, "valid_to")));
  }

  static AuditKeyring keyring(Tx tx) throws SQLException {
    return AuditKeyring.of(published(tx));
  }

  /**
   * Retires the active key now (database time) and creates its successor, valid from the same
   * instant. Appends in flight hold the old key FOR SHARE, so they finish first.
   */
  AuditKey rotate(Database db) {
    AuditSigner next = db.asOperator(tx -> {
      Optional<String> current = tx.queryOne(
          "select key_id from audit_signing_keys where valid_to is null for update", rs -> rs.getString(1));
      Instant now = tx.queryOne("select clock_timestamp()", rs -> Tx.requiredInstant(rs, "clock_timestamp")).orElseThrow();
      if (current.isPresent()) {
        // A retired key never signs again, so its private half is erased, not kept.
        tx.update("update audit_signing_keys set valid_to = ?, kek_id = 'erased', wrapped_key = ''::bytea where key_id = ?",
            now, current.get());
      }
      return insert(tx, kek, Ed25519.generate(random), now);
    });
    signer = next;
    return next.key();
  }

  private static Optional<AuditSigner> active(Tx tx, KeyEncryptionKey kek, List<KeyEncryptionKey> previous) throws SQLException {
    Optional<Row> row = tx.queryOne(
        "select key_id, public_key, valid_from, kek_id, wrapped_key from audit_signing_keys where valid_to is null",
        rs -> new Row(rs.getString("key_id"), rs.getBytes("public_key"), Tx.requiredInstant(rs, "valid_from"),
            rs.getString("kek_id"), rs.getBytes("wrapped_key")));
    if (row.isEmpty()) {
      return Optional.empty();
    }
    if (row.get().kekId().equals(kek.keyId())) {
      return Optional.of(row.get().unwrap(kek));
    }
    for (KeyEncryptionKey old : previous) {
      if (row.get().kekId().equals(old.keyId())) {
        byte[] seed = row.get().unwrapSeed(old);
        try {
          // After a KEK rotation the active key moves to the new KEK, like the vault's data keys.
          tx.update("update audit_signing_keys set kek_id = ?, wrapped_key = ? where key_id = ? and valid_to is null",
              kek.keyId(), kek.wrap(seed, associatedData(row.get().keyId())), row.get().keyId());
          return Optional.of(row.get().signer(seed));
        } finally {
          Arrays.fill(seed, (byte) 0);
        }
      }
    }
    return Optional.of(row.get().unwrap(kek)); // throws, naming both KEKs
  }

  private static AuditSigner create(Tx tx, KeyEncryptionKey kek, SecureRandom random) throws SQLException {
    Instant now = tx.queryOne("select clock_timestamp()", rs -> Tx.requiredInstant(rs, "clock_timestamp")).orElseThrow();
    return insert(tx, kek, Ed25519.generate(random), now);
  }

  private static AuditSigner insert(Tx tx, KeyEncryptionKey kek, Ed25519.SigningKey key, Instant validFrom) throws SQLException {
    AuditKey published = AuditKey.of(Ed25519.PublicKey.of(key.publicKey()), validFrom);
    byte[] seed = key.exportSeed();
    try {
      byte[] wrapped = kek.wrap(seed, associatedData(published.keyId()));
      tx.update(
          "insert into audit_signing_keys (key_id, public_key, valid_from, kek_id, wrapped_key) values (?, ?, ?, ?, ?)",
          published.keyId(), key.publicKey(), published.validFrom(), kek.keyId(), wrapped);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
    return AuditSigner.of(published, key);
  }

  private static byte[] associatedData(String keyId) {
    return ("agentwarden.audit.signing_key:" + keyId).getBytes(StandardCharsets.US_ASCII);
  }

  private record Row(String keyId, byte[] publicKey, Instant validFrom, String kekId, byte[] wrapped) {
    AuditSigner unwrap(KeyEncryptionKey kek) {
      if (!kekId.equals(kek.keyId())) {
        throw new StoreException("audit_identity_kek_mismatch",
            "the audit signing key is wrapped by KEK " + kekId + " but the configured KEK is " + kek.keyId());
      }
      byte[] seed = unwrapSeed(kek);
      try {
        return signer(seed);
      } finally {
        Arrays.fill(seed, (byte) 0);
      }
    }

    byte[] unwrapSeed(KeyEncryptionKey k) {
      try {
        return k.unwrap(wrapped, associatedData(keyId));
      } catch (CryptoException e) {
        throw new StoreException("audit_identity_unreadable", "the audit signing key cannot be unwrapped with the configured KEK", e);
      }
    }

    AuditSigner signer(byte[] seed) {
      Ed25519.SigningKey key = Ed25519.fromSeed(seed);
      AuditKey published = new AuditKey(keyId, Ed25519.PublicKey.of(publicKey), validFrom, Optional.empty());
      return AuditSigner.of(published, key);
    }
  }
}
