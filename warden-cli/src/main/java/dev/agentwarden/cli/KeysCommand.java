package dev.agentwarden.cli;

import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.KeysetStatus;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.server.ApiException;
import dev.agentwarden.server.GatewayConfig;
import dev.agentwarden.server.KekSource;
import dev.agentwarden.server.VaultMaintenance;
import dev.agentwarden.store.Tenants;
import dev.agentwarden.store.Vault;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code warden keys}: the vault's key-encryption key and data keys. These commands open the
 * installation's database directly (never over the API: KEK material must not travel), so with
 * the embedded database the gateway must be stopped while they run.
 */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Vault keys: status, KEK generation and rotation, data-key rotation, tenant keys.",
    subcommands = {
      KeysCommand.Status.class,
      KeysCommand.GenerateKek.class,
      KeysCommand.RotateKek.class,
      KeysCommand.RotateDataKey.class,
      KeysCommand.MigrateTenantKeys.class
    })
final class KeysCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  /** Where the installation is: the same settings as {@code warden serve}. */
  static final class Installation {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file, as for serve. Env: WARDEN_CONFIG.")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default ./.warden). Env: WARDEN_DATA_DIR.")
    String dataDir;

    @Option(names = "--database-url", paramLabel = "URL", description = "jdbc:postgresql:// URL; without it the embedded database in --data-dir. Env: WARDEN_DATABASE_URL.")
    String databaseUrl;

    @Option(names = "--pepper-file", paramLabel = "FILE", description = "Key-hashing pepper file (default <data-dir>/pepper). Env: WARDEN_PEPPER_FILE.")
    String pepperFile;

    @Option(names = "--kek-file", paramLabel = "FILE", description = "The current KEK file. Env: WARDEN_KEK_FILE, or the key in WARDEN_KEK; quick start: <data-dir>/kek.")
    String kekFile;

    @Option(names = "--previous-kek-file", paramLabel = "FILE", description = "An older KEK still wrapping some keysets. Env: WARDEN_PREVIOUS_KEK_FILE.")
    String previousKekFile;

    @Option(names = "--key-dir", paramLabel = "DIR", description = "The tenants' key directory, as for serve. Env: WARDEN_KEY_DIR; quick start: <data-dir>/tenant-keys.")
    String keyDir;

    GatewayConfig config() {
      Map<String, String> s = new LinkedHashMap<>();
      String configEnv = System.getenv("WARDEN_CONFIG");
      Path file = config != null ? config : configEnv != null && !configEnv.isBlank() ? Path.of(configEnv) : null;
      if (file != null) {
        s.putAll(ServeCommand.readConfig(file));
      }
      List<String> names = new ArrayList<>(GatewayConfig.NAMES);
      names.addAll(GatewayConfig.ENV_ONLY);
      for (String name : names) {
        String v = System.getenv(GatewayConfig.envName(name));
        if (v != null && !v.isBlank()) {
          s.put(name, v);
        }
      }
      put(s, "data_dir", dataDir);
      put(s, "database_url", databaseUrl);
      put(s, "pepper_file", pepperFile);
      put(s, "kek_file", kekFile);
      put(s, "previous_kek_file", previousKekFile);
      put(s, "key_dir", keyDir);
      return GatewayConfig.from(s);
    }

    private static void put(Map<String, String> s, String name, String value) {
      if (value != null) {
        s.put(name, value);
      }
    }
  }

  /** Runs a command body, mapping configuration errors to exit 2 and failures to exit 3. */
  abstract static class KeysAction implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin Installation installation;

    abstract int run(PrintWriter out, GatewayConfig cfg);

    @Override
    public final Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      try {
        return run(spec.commandLine().getOut(), installation.config());
      } catch (ApiException e) {
        err.println("warden keys: " + e.getMessage());
        return ExitCodes.USAGE;
      } catch (RuntimeException e) {
        err.println("warden keys: " + e.getMessage());
        return ExitCodes.FAILURE;
      }
    }

    KekSource.Loaded currentKek(GatewayConfig cfg) {
      return KekSource.load(cfg.kekFile(), cfg.kek(), cfg.dataDir(), cfg.databaseUrl().isEmpty());
    }

    List<KeyEncryptionKey> previousKeks(GatewayConfig cfg) {
      return cfg.previousKekFile().map(f -> List.of(KekSource.readFile(f))).orElse(List.of());
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Shows the KEK in use, the KEKs the database still depends on, the tenant key directory,",
          "and each tenant's keyset: the key wrapping it and whether that key is there and opens.",
          "Exit 1 when a tenant's secrets cannot be decrypted (its key missing or unreadable, or a KEK not given)."})
  static final class Status extends KeysAction {
    @Override
    int run(PrintWriter out, GatewayConfig cfg) {
      KekSource.Loaded kek = currentKek(cfg);
      try (VaultMaintenance m = VaultMaintenance.open(cfg, kek.kek(), previousKeks(cfg))) {
        Vault.KeysReport report = m.vault().report();
        out.println("primary KEK: " + report.primaryKekId() + " (" + kek.origin() + ")");
        out.println("KEKs the database depends on: " + String.join(", ", report.activeKekIds()));
        out.println("tenant keys: " + report.tenantKeyStore());
        out.println("tenant keysets: " + report.tenants().size());
        boolean unreadable = false;
        for (Vault.TenantKeyState t : report.tenants()) {
          out.println("  " + t.tenant() + "  key=" + t.wrappingKeyId() + "  state=" + state(t.state())
              + t.sealedUnder().map(k -> "  sealed_under=" + k).orElse("")
              + "  data_keys=" + t.dataKeys() + "  secrets=" + t.secrets());
          if (t.state() != Vault.KeyState.TENANT_KEY) {
            out.println("      " + t.detail());
          }
          unreadable |= !t.state().readable();
        }
        if (!report.unusedTenantKeys().isEmpty()) {
          out.println("tenant keys no keyset uses (left by an interrupted transaction; harmless): "
              + String.join(", ", report.unusedTenantKeys()));
        }
        if (!report.pendingDestructions().isEmpty()) {
          out.println("purged tenants' keys not destroyed yet (retried at every start): "
              + String.join(", ", report.pendingDestructions()));
        }
        return unreadable ? ExitCodes.REFUSED : ExitCodes.OK;
      }
    }

    private static String state(Vault.KeyState s) {
      return switch (s) {
        case TENANT_KEY -> "ok";
        case LEGACY_KEK -> "legacy";
        case MISSING -> "MISSING";
        case UNREADABLE -> "UNREADABLE";
        case KEK_NOT_GIVEN -> "KEK_NOT_GIVEN";
      };
    }
  }

  @Command(name = "migrate-tenant-keys", mixinStandardHelpOptions = true,
      description = {"Moves every keyset still wrapped by the KEK itself (made before tenants had keys of their own)",
          "to a new tenant key in the key directory; no secret ciphertext changes. Keysets also move on first use.",
          "Backups taken before the move stay readable with the KEK: rotate the KEK afterwards to close that."})
  static final class MigrateTenantKeys extends KeysAction {
    @Override
    int run(PrintWriter out, GatewayConfig cfg) {
      try (VaultMaintenance m = VaultMaintenance.open(cfg, currentKek(cfg).kek(), previousKeks(cfg))) {
        int moved = m.vault().migrateLegacyKeysets();
        out.println("moved " + moved + " tenant keysets to tenant keys in the " + m.vault().tenantKeyStore());
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "generate-kek", mixinStandardHelpOptions = true,
      description = "Writes a new random KEK (base64 of 32 bytes) to a new file with mode 0600; prints only its id.")
  static final class GenerateKek implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The file to create; never overwritten.")
    Path out;

    @Override
    public Integer call() {
      try {
        var material = KeyEncryptionKey.generateLocalMaterial();
        KekSource.writeNew(out, material);
        spec.commandLine().getOut().println("wrote KEK " + KeyEncryptionKey.local(material).keyId() + " to " + out
            + " (mode 0600); keep a copy apart from the database backups");
        return ExitCodes.OK;
      } catch (ApiException e) {
        spec.commandLine().getErr().println("warden keys generate-kek: " + e.getMessage());
        return ExitCodes.USAGE;
      }
    }
  }

  @Command(name = "rotate-kek", mixinStandardHelpOptions = true,
      description = {
        "Reseals every tenant key (and the audit signing key) under a new KEK; no keyset or secret ciphertext changes.",
        "The current KEK comes from --kek-file / WARDEN_KEK / <data-dir>/kek as for serve.",
        "With the quick-start KEK (<data-dir>/kek) and no --new-kek-file, a new one is generated and",
        "put in its place; the old one is kept as <data-dir>/kek.retired-<id> for restoring older backups.",
        "Afterwards start the gateway with the new KEK only."
      })
  static final class RotateKek extends KeysAction {
    @Option(names = "--new-kek-file", paramLabel = "FILE",
        description = "The new KEK; created (mode 0600) when the file does not exist.")
    Path newKekFile;

    @Override
    int run(PrintWriter out, GatewayConfig cfg) {
      KekSource.Loaded current = currentKek(cfg);
      boolean quickStart = cfg.kekFile().isEmpty() && cfg.kek().isEmpty() && cfg.databaseUrl().isEmpty();
      Path target;
      if (newKekFile != null) {
        target = newKekFile;
      } else if (quickStart) {
        target = cfg.dataDir().resolve(KekSource.DATA_DIR_FILE + ".next");
      } else {
        throw new GatewayConfig.InvalidConfigException(
            "--new-kek-file is required when the current KEK comes from --kek-file or WARDEN_KEK");
      }
      if (!Files.exists(target)) {
        KekSource.writeNew(target, KeyEncryptionKey.generateLocalMaterial());
      }
      KeyEncryptionKey next = KekSource.readFile(target);
      if (next.keyId().equals(current.kek().keyId())) {
        throw new GatewayConfig.InvalidConfigException("the new KEK " + next.keyId() + " is the current KEK");
      }
      List<KeyEncryptionKey> readable = new ArrayList<>(previousKeks(cfg));
      readable.add(0, current.kek());
      Vault.KekRotation rotation;
      try (VaultMaintenance m = VaultMaintenance.open(cfg, next, readable)) {
        rotation = m.vault().rewrapAll();
      }
      out.println("resealed " + rotation.tenantKeysResealed() + " tenant keys from " + current.kek().keyId() + " to "
          + next.keyId() + (rotation.keysetsMoved() > 0
              ? "; moved " + rotation.keysetsMoved() + " keysets wrapped by the old KEK itself to tenant keys" : ""));
      if (newKekFile == null) {
        Path live = cfg.dataDir().resolve(KekSource.DATA_DIR_FILE);
        Path retired = cfg.dataDir().resolve(KekSource.DATA_DIR_FILE + ".retired-" + current.kek().keyId().replace(':', '-'));
        try {
          Files.move(live, retired, StandardCopyOption.ATOMIC_MOVE);
          Files.move(target, live, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          throw new IllegalStateException("keysets are re-wrapped, but moving the KEK files failed (" + e.getMessage()
              + "): start the gateway with --kek-file " + target);
        }
        out.println("the new KEK is now " + live + "; the old one was kept as " + retired
            + " (delete it once no backup from before this rotation is needed)");
      } else {
        out.println("start the gateway with --kek-file " + target + " from now on");
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "rotate-data-key", mixinStandardHelpOptions = true,
      description = "Gives a tenant (or every tenant) a new data key, re-encrypts its secrets and retires the old key.")
  static final class RotateDataKey extends KeysAction {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
      @Option(names = "--tenant", paramLabel = "ID", description = "One tenant id.")
      String tenant;

      @Option(names = "--all", description = "Every tenant.")
      boolean all;
    }

    @Override
    int run(PrintWriter out, GatewayConfig cfg) {
      Optional<TenantId> one = Optional.ofNullable(which.tenant).map(TenantId::parse);
      try (VaultMaintenance m = VaultMaintenance.open(cfg, currentKek(cfg).kek(), previousKeks(cfg))) {
        List<TenantId> tenants = one.map(List::of).orElseGet(() -> allTenants(m));
        for (TenantId t : tenants) {
          KeysetStatus s = m.vault().rotateDataKey(t);
          out.println("  " + t + "  primary_key=" + s.primaryKeyId() + "  data_keys=" + s.keyCount());
        }
        out.println("rotated the data key of " + tenants.size() + " tenants");
        return ExitCodes.OK;
      }
    }

    private static List<TenantId> allTenants(VaultMaintenance m) {
      List<TenantId> out = new ArrayList<>();
      Optional<TenantId> after = Optional.empty();
      while (true) {
        Optional<TenantId> cursor = after;
        var page = m.database().asOperator(tx -> Tenants.list(tx, 200, cursor));
        page.forEach(t -> out.add(t.id()));
        if (page.size() < 200) {
          return out;
        }
        after = Optional.of(page.getLast().id());
      }
    }
  }
}
