package dev.agentwarden.store;

import dev.agentwarden.core.policy.Policy;
import dev.agentwarden.core.policy.PolicyException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The policies table: named, append-only versions of each tenant's policy documents. A document
 * is compiled before it is stored, so every stored version is a valid policy; versions are
 * numbered 1, 2, ... per name and never change.
 */
public final class Policies {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  /** Documents larger than this are refused (the column allows the same). */
  public static final int MAX_DOCUMENT_CHARS = 262_144;

  private static final String COLUMNS = "id, name, version, document, sha256, created_by, created_at";

  private Policies() {}

  /**
   * Compiles {@code document} and stores it as the next version of the policy it names.
   *
   * @throws PolicyException when the document is not a valid policy or its name is not allowed
   * @throws ConflictException when another writer stored the same version at the same time
   *     (the database's unique constraint; the caller may retry)
   */
  public static StoredPolicy create(Tx tx, String document, Optional<UUID> createdBy) throws SQLException {
    if (document.isBlank() || document.length() > MAX_DOCUMENT_CHARS) {
      throw new PolicyException("a policy document must have 1 to " + MAX_DOCUMENT_CHARS + " characters");
    }
    Policy compiled = Policy.parse(document);
    String name = compiled.name();
    if (!NAME.matcher(name).matches()) {
      throw new PolicyException("policy name must match " + NAME.pattern() + ", got '" + name + "'");
    }
    int next =
        tx.queryOne(
                "select coalesce(max(version), 0) + 1 as next from policies where name = ?",
                rs -> rs.getInt("next"),
                name)
            .orElse(1);
    return tx.queryOne(
            "insert into policies (id, tenant_id, name, version, document, sha256, created_by)"
                + " values (?, ?, ?, ?, ?, ?, ?) returning " + COLUMNS,
            Policies::map,
            UUID.randomUUID(), tx.tenant(), name, next, document, sha256(document), createdBy)
        .orElseThrow();
  }

  /** The newest version of the named policy. */
  public static Optional<StoredPolicy> latest(Tx tx, String name) throws SQLException {
    return tx.queryOne(
        "select " + COLUMNS + " from policies where name = ? order by version desc limit 1", Policies::map, name);
  }

  /** One version of the named policy. */
  public static Optional<StoredPolicy> version(Tx tx, String name, int version) throws SQLException {
    return tx.queryOne(
        "select " + COLUMNS + " from policies where name = ? and version = ?", Policies::map, name, version);
  }

  /** Every version of the named policy, oldest first. */
  public static List<StoredPolicy> versions(Tx tx, String name) throws SQLException {
    return tx.query("select " + COLUMNS + " from policies where name = ? order by version", Policies::map, name);
  }

  /** The newest version of every policy of the tenant, by name. */
  public static List<StoredPolicy> listLatest(Tx tx) throws SQLException {
    return tx.query(
        "select distinct on (name) " + COLUMNS + " from policies order by name, version desc", Policies::map);
  }

  static String sha256(String document) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(document.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static StoredPolicy map(ResultSet rs) throws SQLException {
    return new StoredPolicy(
        Tx.uuid(rs, "id"),
        rs.getString("name"),
        rs.getInt("version"),
        rs.getString("document"),
        rs.getString("sha256"),
        Optional.ofNullable(Tx.uuid(rs, "created_by")),
        Tx.requiredInstant(rs, "created_at"));
  }
}
