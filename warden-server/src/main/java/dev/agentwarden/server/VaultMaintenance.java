package dev.agentwarden.server;

import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.KeyHasher;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.EmbeddedPostgres;
import dev.agentwarden.store.Migrations;
import dev.agentwarden.store.StoreException;
import dev.agentwarden.store.Vault;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The vault of an installation opened without the HTTP server, for {@code warden keys}: the
 * same database, pepper and migrations as {@code warden serve}, with the KEKs the command
 * names. With the embedded database the gateway must be stopped first (PostgreSQL allows one
 * server per data directory).
 */
public final class VaultMaintenance implements AutoCloseable {
  private final Optional<EmbeddedPostgres> embedded;
  private final Database db;
  private final Vault vault;

  private VaultMaintenance(Optional<EmbeddedPostgres> embedded, Database db, Vault vault) {
    this.embedded = embedded;
    this.db = db;
    this.vault = vault;
  }

  /**
   * Opens the installation's vault with {@code primary} and {@code previous} KEKs.
   *
   * @throws GatewayConfig.InvalidConfigException when the KEKs do not match the installation
   */
  public static VaultMaintenance open(GatewayConfig config, KeyEncryptionKey primary, List<KeyEncryptionKey> previous) {
    Optional<EmbeddedPostgres> embedded = Optional.empty();
    Database db = null;
    try {
      Gateway.createPrivateDirectory(config.dataDir());
      String adminUrl;
      if (config.databaseUrl().isPresent()) {
        adminUrl = config.databaseUrl().get();
      } else {
        embedded = Optional.of(EmbeddedPostgres.start(config.dataDir().resolve("postgres")));
        adminUrl = embedded.get().adminUrl();
      }
      KeyHasher hasher = KeyHasher.withPepper(
          Gateway.loadOrCreatePepper(config.pepperFile().orElse(config.dataDir().resolve("pepper"))));
      String appPassword = HexFormat.of().formatHex(hasher.hash("database-role", Migrations.APP_ROLE));
      Migrations.apply(adminUrl, appPassword);
      db = Database.connect(adminUrl, appPassword, 2);
      Gateway.checkPepper(db, hasher);
      Vault vault;
      try {
        vault = Vault.open(db, primary, previous, KekSource.tenantKeys(config, primary, previous));
      } catch (StoreException e) {
        if (e.code().equals("kek_mismatch")) {
          throw new GatewayConfig.InvalidConfigException(e.getMessage());
        }
        throw e;
      }
      // The audit signing identity is wrapped by the same KEK: opening the log with the previous
      // KEKs re-wraps it under the primary, so retiring an old KEK never strands it.
      AuditLog.open(db, primary, previous, new SecureRandom());
      return new VaultMaintenance(embedded, db, vault);
    } catch (RuntimeException e) {
      if (db != null) {
        db.close();
      }
      embedded.ifPresent(EmbeddedPostgres::close);
      throw e;
    }
  }

  public Vault vault() {
    return vault;
  }

  /** The runtime database, for maintenance work beside the vault (and tests). */
  public Database database() {
    return db;
  }

  @Override
  public void close() {
    db.close();
    embedded.ifPresent(EmbeddedPostgres::close);
  }
}
