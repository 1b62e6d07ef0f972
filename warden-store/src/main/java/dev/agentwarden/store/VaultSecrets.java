package dev.agentwarden.store;

import dev.agentwarden.core.crypto.WrappedKeyset;
import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The vault_secrets table. Metadata queries never select the ciphertext column; only {@link
 * #ciphertext} and {@link #sealed} (brokering) read it, so code that lists or shows secrets
 * cannot decrypt by accident.
 */
final class VaultSecrets {
  private static final String METADATA =
      "id, name, masked, allowed_hosts, header, header_prefix, version, created_at, updated_at";

  private VaultSecrets() {}

  static VaultSecret insert(
      Tx tx, UUID id, SecretRef ref, byte[] ciphertext, String masked, AllowedHosts hosts, Injection injection)
      throws SQLException {
    return tx.queryOne(
            "insert into vault_secrets (id, tenant_id, name, ciphertext, masked, allowed_hosts, header, header_prefix)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?) returning " + METADATA,
            VaultSecrets::map,
            id, tx.tenant(), ref.name(), ciphertext, masked, hosts.hosts().toArray(String[]::new),
            injection.header(), injection.prefix())
        .orElseThrow();
  }

  static List<VaultSecret> list(Tx tx) throws SQLException {
    return tx.query("select " + METADATA + " from vault_secrets order by name", VaultSecrets::map);
  }

  static Optional<VaultSecret> find(Tx tx, SecretRef ref) throws SQLException {
    return tx.queryOne("select " + METADATA + " from vault_secrets where name = ?", VaultSecrets::map, ref.name());
  }

  static Optional<VaultSecret> findById(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("select " + METADATA + " from vault_secrets where id = ?", VaultSecrets::map, id);
  }

  /** One of the two reads of the ciphertext column, both for brokering. */
  static Optional<byte[]> ciphertext(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("select ciphertext from vault_secrets where id = ?", rs -> rs.getBytes(1), id);
  }

  /** A secret's metadata and ciphertext in one read, for {@link Vault#seal}. */
  /** A secret's metadata and ciphertext with the tenant's wrapped keyset (if any), in one read. */
  static Optional<Sealed> sealed(Tx tx, SecretRef ref) throws SQLException {
    return tx.queryOne("select " + prefixed("s.") + ", s.ciphertext, k.kek_id, k.keyset from vault_secrets s"
            + " left join tenant_keys k on k.tenant_id = s.tenant_id where s.name = ?",
        rs -> {
          String kekId = rs.getString("kek_id");
          byte[] keyset = rs.getBytes("keyset");
          return new Sealed(map(rs), rs.getBytes("ciphertext"), kekId == null || keyset == null
              ? Optional.empty() : Optional.of(WrappedKeyset.of(kekId, keyset)));
        }, ref.name());
  }

  private static String prefixed(String alias) {
    return alias + METADATA.replace(", ", ", " + alias);
  }

  record Sealed(VaultSecret meta, byte[] ciphertext, Optional<WrappedKeyset> keyset) {}

  /** Every (id, ciphertext) of the tenant, locked, for re-encryption after a data-key rotation. */
  static List<Row> allForUpdate(Tx tx) throws SQLException {
    return tx.query(
        "select id, ciphertext from vault_secrets order by id for update",
        rs -> new Row(Tx.uuid(rs, "id"), rs.getBytes("ciphertext")));
  }

  record Row(UUID id, byte[] ciphertext) {}

  static Optional<VaultSecret> replaceValue(Tx tx, UUID id, byte[] ciphertext, String masked) throws SQLException {
    return tx.queryOne(
        "update vault_secrets set ciphertext = ?, masked = ?, version = version + 1, updated_at = now()"
            + " where id = ? returning " + METADATA,
        VaultSecrets::map, ciphertext, masked, id);
  }

  static void reencrypted(Tx tx, UUID id, byte[] ciphertext) throws SQLException {
    tx.update("update vault_secrets set ciphertext = ? where id = ?", ciphertext, id);
  }

  static Optional<VaultSecret> updateRules(Tx tx, UUID id, AllowedHosts hosts, Injection injection) throws SQLException {
    return tx.queryOne(
        "update vault_secrets set allowed_hosts = ?, header = ?, header_prefix = ?, updated_at = now()"
            + " where id = ? returning " + METADATA,
        VaultSecrets::map, hosts.hosts().toArray(String[]::new), injection.header(), injection.prefix(), id);
  }

  static boolean delete(Tx tx, UUID id) throws SQLException {
    return tx.update("delete from vault_secrets where id = ?", id) == 1;
  }

  static int deleteAll(Tx tx) throws SQLException {
    return tx.update("delete from vault_secrets");
  }

  static VaultSecret map(ResultSet rs) throws SQLException {
    return new VaultSecret(
        Tx.uuid(rs, "id"),
        new SecretRef(rs.getString("name")),
        rs.getString("masked"),
        new AllowedHosts(strings(rs.getArray("allowed_hosts"))),
        new Injection(rs.getString("header"), rs.getString("header_prefix")),
        rs.getInt("version"),
        Tx.requiredInstant(rs, "created_at"),
        Tx.requiredInstant(rs, "updated_at"));
  }

  static List<String> strings(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    try {
      return List.of((String[]) array.getArray());
    } finally {
      array.free();
    }
  }
}
