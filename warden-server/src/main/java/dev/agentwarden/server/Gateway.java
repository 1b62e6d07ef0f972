package dev.agentwarden.server;

import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.KeyHasher;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.EmbeddedPostgres;
import dev.agentwarden.store.JdbcUrls;
import dev.agentwarden.store.Migrations;
import dev.agentwarden.store.OperatorKeys;
import dev.agentwarden.store.ProviderRegistry;
import dev.agentwarden.store.StoreException;
import dev.agentwarden.store.Vault;
import dev.agentwarden.store.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A running gateway: the database (embedded or the operator's), migrations, the key pepper,
 * the first operator key and the HTTP server, started in that order and stopped in reverse.
 */
public final class Gateway implements AutoCloseable {
  private static final String PEPPER_CHECK = "pepper_check";
  private static final long READINESS_CACHE_NANOS = 10_000_000_000L;

  private final Optional<EmbeddedPostgres> embedded;
  private final Database db;
  private final WardenServer server;
  private final Optional<String> newOperatorKey;
  private final Vault vault;
  private final ProviderRegistry providers;
  private final AuditLog audit;
  private final dev.agentwarden.mcp.UpstreamWatch upstreamWatch;

  private Gateway(Optional<EmbeddedPostgres> embedded, Database db, WardenServer server, Optional<String> newOperatorKey,
      Vault vault, ProviderRegistry providers, AuditLog audit, dev.agentwarden.mcp.UpstreamWatch upstreamWatch) {
    this.audit = audit;
    this.upstreamWatch = upstreamWatch;
    this.embedded = embedded;
    this.db = db;
    this.server = server;
    this.newOperatorKey = newOperatorKey;
    this.vault = vault;
    this.providers = providers;
  }

  /** Starts everything; on failure, whatever was started is stopped again. */
  public static Gateway start(GatewayConfig config, RequestLog log, Clock clock, List<ApiService> extraServices) {
    Optional<EmbeddedPostgres> embedded = Optional.empty();
    Database db = null;
    try {
      createPrivateDirectory(config.dataDir());
      String adminUrl;
      if (config.databaseUrl().isPresent()) {
        adminUrl = config.databaseUrl().get();
      } else {
        embedded = Optional.of(EmbeddedPostgres.start(config.dataDir().resolve("postgres")));
        adminUrl = embedded.get().adminUrl();
      }
      byte[] pepper = loadOrCreatePepper(config.pepperFile().orElse(config.dataDir().resolve("pepper")));
      KeyHasher hasher = KeyHasher.withPepper(pepper);
      String appPassword = HexFormat.of().formatHex(hasher.hash("database-role", Migrations.APP_ROLE));
      // Checked before the migration sets the runtime role's password from this pepper, so a
      // process started with the wrong pepper cannot lock the running ones out.
      Migrations.readSetting(adminUrl, PEPPER_CHECK).ifPresent(stored -> requireSamePepper(stored, hasher));
      Migrations.apply(adminUrl, appPassword);
      log.event("info", "database ready", Map.of("database", JdbcUrls.masked(adminUrl), "embedded", embedded.isPresent()));
      db = Database.connect(adminUrl, appPassword, config.databasePoolSize());
      checkPepper(db, hasher);
      KekSource.Loaded kek = KekSource.load(config.kekFile(), config.kek(), config.dataDir(), embedded.isPresent());
      List<KeyEncryptionKey> previousKeks =
          config.previousKekFile().map(f -> List.of(KekSource.readFile(f))).orElse(List.of());
      Vault vault = openVault(kek, previousKeks, KekSource.tenantKeys(config, kek.kek(), previousKeks), db, log);
      // After the vault, which proves the KEK: the audit signing key is wrapped by the same KEK.
      AuditLog audit = AuditLog.open(db, kek.kek(), previousKeks, new SecureRandom());
      log.event("info", "audit log ready", Map.of("signing_key_id", audit.currentKey().keyId()));
      ProviderRegistry providers = ProviderRegistry.of(db, vault);
      VaultEvents vaultEvents = new VaultEvents(log, audit);
      TenantPolicies policies = new TenantPolicies(db);
      List<ApiService> services = new java.util.ArrayList<>(List.of(
          new SecretService(vault, vaultEvents), new ProviderService(providers, vaultEvents),
          new PolicyService(db, policies, audit), new FetchService(policies, vault, audit, log),
          new AuditService(audit, new dev.agentwarden.store.ProviderUsage(db), providers, clock),
          new ActionService(policies, config.dataDir().resolve("workspaces"), log, audit),
          new ScanService()));
      services.addAll(modelServices(db, new CredentialBroker(vault, providers), providers, policies, audit, clock,
          java.time.Duration.ofSeconds(config.modelReadTimeoutSeconds())));
      McpParts mcp = mcpServices(db, vault, hasher, policies, audit, clock, config.mcpAllowedOrigins());
      services.addAll(mcp.services());
      services.add(new TrustService(db, providers,
          new dev.agentwarden.store.TrustLedger(db, dev.agentwarden.core.trust.TrustRule.standard(), clock), audit, clock));
      services.addAll(extraServices);
      WardenServer server = WardenServer.start(config.serverSettings(clock), db, hasher, audit,
          new dev.agentwarden.store.TenantPurge(vault, audit), log,
          readiness(adminUrl), services);
      // Minted last, so that a start that fails earlier never stores a key nobody was shown.
      Optional<String> operatorKey;
      try {
        operatorKey = bootstrapOperatorKey(db, hasher, config.operatorKeyFile());
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
      log.event("info", "listening", Map.of("bind", config.bind(), "port", server.port(), "config", config.toString()));
      mcp.watch().watchAll();
      return new Gateway(embedded, db, server, operatorKey, vault, providers, audit, mcp.watch());
    } catch (RuntimeException e) {
      if (db != null) {
        db.close();
      }
      embedded.ifPresent(EmbeddedPostgres::close);
      throw e;
    }
  }

  /** The operator key minted by this start, when there was none before and no key file was asked for. */
  public Optional<String> newOperatorKey() {
    return newOperatorKey;
  }

  public int port() {
    return server.port();
  }

  public List<ApiRoute> routes() {
    return server.routes();
  }

  public Database database() {
    return db;
  }

  /** The vault: secrets, brokering, key rotation and crypto-shredding. */
  public Vault vault() {
    return vault;
  }

  /** Credential brokering for outbound calls: secrets only at egress, only to allowed hosts. */
  public CredentialBroker credentials() {
    return new CredentialBroker(vault, providers);
  }

  /** The audit log: the one entry point every capability records through. */
  public AuditLog audit() {
    return audit;
  }

  /** The tenants' model providers, whose keys live in the vault. */
  public ProviderRegistry providers() {
    return providers;
  }

  /**
   * Opens the vault with the loaded KEK ({@link KekSource}); the vault proves the KEK against the
   * installation's check values: a wrong KEK stops the start here, naming both key ids.
   */
  static Vault openVault(KekSource.Loaded kek, List<KeyEncryptionKey> previous,
      dev.agentwarden.core.crypto.TenantKeyProvider tenantKeys, Database db, RequestLog log) {
    Vault vault;
    try {
      vault = Vault.open(db, kek.kek(), previous, tenantKeys);
    } catch (StoreException e) {
      if (e.code().equals("kek_mismatch")) {
        throw new GatewayConfig.InvalidConfigException(e.getMessage());
      }
      throw e;
    }
    Vault.TenantKeyCheck check = vault.tenantKeyCheck();
    log.event("info", "vault ready", Map.of("kek_id", kek.kek().keyId(), "kek_source", kek.origin(),
        "previous_keks", previous.size(), "tenant_keys", tenantKeys.describe(),
        "tenant_keysets", check.tenantKeysets(), "legacy_keysets", check.legacyKeysets()));
    if (kek.generated()) {
      log.event("warn", "generated a new key-encryption key", Map.of("kek_source", kek.origin(), "advice",
          "back this file up apart from the database: without it no stored secret can be decrypted"));
    }
    // A tenant whose key is gone fails on its own requests with tenant_key_missing; the others
    // keep working. Said here once per tenant, so it is never a surprise.
    for (Vault.TenantKeyProblem p : check.problems()) {
      log.event("error", "tenant key unusable: the tenant's secrets cannot be decrypted", Map.of(
          "tenant_id", p.tenant().toString(), "key_id", p.wrappingKeyId(),
          "state", p.state().name().toLowerCase(java.util.Locale.ROOT), "detail", p.detail()));
    }
    if (check.tenantKeysets() > 1 && check.problems().stream()
        .filter(p -> p.state() == Vault.KeyState.MISSING).count() == check.tenantKeysets()) {
      log.event("error", "no tenant key the database names is in the key directory", Map.of(
          "tenant_keys", tenantKeys.describe(), "tenant_keysets", check.tenantKeysets(), "advice",
          "check --key-dir (WARDEN_KEY_DIR): every gateway process of this database must use the same directory"));
    }
    if (check.legacyKeysets() > 0) {
      log.event("warn", "keysets wrapped by the KEK itself", Map.of("count", check.legacyKeysets(), "advice",
          "they move to tenant keys on first use or with 'warden keys migrate-tenant-keys'; until then a backup of"
              + " the database stays readable with the KEK after a purge"));
    }
    return vault;
  }

  /**
   * The model proxy and its budgets: agent keys act as the agent they are linked to
   * ({@code /v1/agents}); upstreams are reachable as the tenant's {@code default} policy allows
   * (none until it has one).
   */
  private static List<ApiService> modelServices(
      Database db, CredentialBroker credentials, ProviderRegistry providers, TenantPolicies policies, AuditLog audit,
      Clock clock, java.time.Duration modelReadTimeout) {
    StoreModelAgents agents = new StoreModelAgents(db);
    // Upstreams are governed by the tenant's default policy (deny-all until it has one).
    dev.agentwarden.store.TrustLedger providerTrust =
        new dev.agentwarden.store.TrustLedger(db, dev.agentwarden.core.trust.TrustRule.standard(), clock);
    ModelProxyService proxy = new ModelProxyService(providers, credentials, db, agents, policies,
        dev.agentwarden.core.scan.ContentScanner.standard(), dev.agentwarden.core.model.PriceTable.standard(),
        ModelTrustEvidence.around(ModelCallAudit.toChain(audit), providerTrust), providerTrust, clock,
        modelReadTimeout);
    return List.of(proxy, new BudgetService(db, agents, clock), new TenantSettingsService(db, audit));
  }

  /**
   * Agents, upstream MCP servers, approvals and the agent-facing {@code /mcp} endpoint. The
   * tenant's stored {@code default} policy decides which upstreams may be reached.
   */
  private record McpParts(List<ApiService> services, dev.agentwarden.mcp.UpstreamWatch watch) {}

  private static McpParts mcpServices(Database db, Vault vault, KeyHasher hasher, TenantPolicies policies,
      AuditLog auditLog, Clock clock, AllowedOrigins origins) {
    ChainAudit audit = new ChainAudit(auditLog);
    dev.agentwarden.mcp.McpGateway mcp = dev.agentwarden.mcp.McpGateway.create(db, vault, (tenant, name) -> {
      try {
        return policies.latest(tenant, name).map(TenantPolicies.Loaded::policy);
      } catch (RuntimeException e) {
        return Optional.empty(); // a stored document that no longer compiles denies
      }
    }, audit, clock);
    dev.agentwarden.mcp.UpstreamWatch watch = new dev.agentwarden.mcp.UpstreamWatch(db, mcp);
    return new McpParts(List.of(
        new AgentService(db, new KeyIssuer(hasher), audit, clock, mcp::toolsChanged),
        new McpServerService(db, mcp, watch),
        new ApprovalService(db, mcp.approvalGate(), audit, clock),
        new SessionAllowService(db, audit, clock),
        new McpRouteService(new dev.agentwarden.mcp.McpEndpoint(mcp), origins)), watch);
  }

  @Override
  public void close() {
    upstreamWatch.close();
    server.close();
    db.close();
    embedded.ifPresent(EmbeddedPostgres::close);
  }

  private static java.util.function.BooleanSupplier readiness(String adminUrl) {
    AtomicLong checkedAt = new AtomicLong(System.nanoTime());
    boolean[] current = {true};
    return () -> {
      long now = System.nanoTime();
      long last = checkedAt.get();
      if (now - last > READINESS_CACHE_NANOS && checkedAt.compareAndSet(last, now)) {
        current[0] = Migrations.current(adminUrl);
      }
      return current[0];
    };
  }

  static void createPrivateDirectory(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } catch (IOException e) {
      throw new GatewayConfig.InvalidConfigException("cannot create data directory " + dir + ": " + e.getMessage());
    }
  }

  static byte[] loadOrCreatePepper(Path file) {
    try {
      if (!Files.exists(file)) {
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        writePrivate(file, Base64.getEncoder().encodeToString(fresh) + "\n");
        return fresh;
      }
      byte[] pepper = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
      if (pepper.length < 32) {
        throw new GatewayConfig.InvalidConfigException("pepper file " + file + " must hold at least 32 bytes in base64");
      }
      return pepper;
    } catch (IOException | IllegalArgumentException e) {
      throw new GatewayConfig.InvalidConfigException("cannot read pepper file " + file + ": " + e.getMessage());
    }
  }

  static void checkPepper(Database db, KeyHasher hasher) {
    byte[] expected = hasher.hash(PEPPER_CHECK, "agentwarden");
    requireSamePepper(db.asOperator(tx -> Settings.putIfAbsent(tx, PEPPER_CHECK, expected)), hasher);
  }

  private static void requireSamePepper(byte[] stored, KeyHasher hasher) {
    if (!MessageDigest.isEqual(stored, hasher.hash(PEPPER_CHECK, "agentwarden"))) {
      throw new GatewayConfig.InvalidConfigException(
          "the key pepper does not match the one this database was set up with; use the original pepper file");
    }
  }

  private static Optional<String> bootstrapOperatorKey(Database db, KeyHasher hasher, Optional<Path> keyFile) {
    KeyIssuer issuer = new KeyIssuer(hasher);
    // The file is written inside the transaction: if it cannot be written, no key is stored
    // that nobody holds.
    return db.asOperator(tx -> {
      if (OperatorKeys.any(tx)) {
        return Optional.<String>empty();
      }
      String minted = issuer.issueOperator(tx, "initial operator");
      if (keyFile.isPresent()) {
        writePrivate(keyFile.get(), minted + "\n");
        return Optional.<String>empty();
      }
      return Optional.of(minted);
    });
  }

  private static void writePrivate(Path file, String content) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, content, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (FileAlreadyExistsException e) {
      throw new GatewayConfig.InvalidConfigException(file + " already exists; refusing to overwrite it");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
