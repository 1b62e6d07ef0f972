package dev.agentwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.agentwarden.server.ApiException;
import dev.agentwarden.server.Gateway;
import dev.agentwarden.server.GatewayConfig;
import dev.agentwarden.server.RequestLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code warden serve}: starts the gateway and runs until stopped. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Starts the gateway. Without --database-url it runs its own PostgreSQL with data in --data-dir.",
      "Every option can also be set as an environment variable (shown below) or in --config.",
      "Precedence: flags, then environment, then the config file, then defaults."
    })
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file with settings (names as in the environment variables, lower case, without WARDEN_).")
  Path config;

  @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default 127.0.0.1). Env: WARDEN_BIND.")
  String bind;

  @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on, 0 for any free port (default 8080). Env: WARDEN_PORT.")
  String port;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Directory for the embedded database and the key pepper (default ./.warden). Env: WARDEN_DATA_DIR.")
  String dataDir;

  @Option(names = "--database-url", paramLabel = "URL", description = "jdbc:postgresql:// URL of an existing PostgreSQL; its user runs the migrations and needs CREATEROLE. Env: WARDEN_DATABASE_URL.")
  String databaseUrl;

  @Option(names = "--database-pool-size", paramLabel = "N", description = "Connections in the runtime pool (default 16). Env: WARDEN_DATABASE_POOL_SIZE.")
  String poolSize;

  @Option(names = "--max-body-bytes", paramLabel = "N", description = "Largest accepted request body (default 1048576). Env: WARDEN_MAX_BODY_BYTES.")
  String maxBodyBytes;

  @Option(names = "--model-read-timeout-seconds", paramLabel = "S", description = "Longest wait for the next bytes of a model provider's answer, streamed or not (default 60). Env: WARDEN_MODEL_READ_TIMEOUT_SECONDS.")
  String modelReadTimeout;

  @Option(names = "--mcp-allowed-origins", paramLabel = "ORIGINS", description = "Comma-separated browser origins (http(s)://host[:port]) allowed to call /mcp; requests with any other Origin get 403 (DNS-rebinding protection), requests without one are allowed (default: none). Env: WARDEN_MCP_ALLOWED_ORIGINS.")
  String mcpAllowedOrigins;

  @Option(names = "--key-rate-per-second", paramLabel = "R", description = "Requests per second per key (default 50). Env: WARDEN_KEY_RATE_PER_SECOND.")
  String keyRate;

  @Option(names = "--key-burst", paramLabel = "N", description = "Burst per key (default 100). Env: WARDEN_KEY_BURST.")
  String keyBurst;

  @Option(names = "--tenant-rate-per-second", paramLabel = "R", description = "Requests per second per tenant (default 200). Env: WARDEN_TENANT_RATE_PER_SECOND.")
  String tenantRate;

  @Option(names = "--tenant-burst", paramLabel = "N", description = "Burst per tenant (default 400). Env: WARDEN_TENANT_BURST.")
  String tenantBurst;

  @Option(names = "--operator-key-file", paramLabel = "FILE", description = "On first start, write the operator key to this new file (mode 0600) instead of printing it. Env: WARDEN_OPERATOR_KEY_FILE.")
  String operatorKeyFile;

  @Option(names = "--pepper-file", paramLabel = "FILE", description = "File with the key-hashing pepper (base64, >= 32 bytes); shared by all gateway processes of one database (default <data-dir>/pepper). Env: WARDEN_PEPPER_FILE.")
  String pepperFile;

  @Option(names = "--kek-file", paramLabel = "FILE", description = "File with the key-encryption key of the vault (base64 of 32 bytes, mode 0600). Required with --database-url unless WARDEN_KEK is set; the quick start generates <data-dir>/kek. Env: WARDEN_KEK_FILE (or the key itself in WARDEN_KEK).")
  String kekFile;

  @Option(names = "--previous-kek-file", paramLabel = "FILE", description = "During a KEK rotation: the old key-encryption key, used only to read keysets not yet re-wrapped. Env: WARDEN_PREVIOUS_KEK_FILE.")
  String previousKekFile;

  @Option(names = "--key-dir", paramLabel = "DIR", description = "Directory of the tenants' own keys (mode 0700, sealed under the KEK), shared by every gateway process and kept apart from the database and its backups: purging a tenant destroys its key there. Required with --kek-file or WARDEN_KEK; the quick start uses <data-dir>/tenant-keys. Env: WARDEN_KEY_DIR.")
  String keyDir;

  private final Function<String, String> env;

  ServeCommand() {
    this(System::getenv);
  }

  ServeCommand(Function<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GatewayConfig cfg;
    try {
      cfg = GatewayConfig.from(settings());
    } catch (ApiException e) {
      err.println("warden serve: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    RequestLog log = RequestLog.to(System.out);
    Gateway gateway;
    try {
      gateway = Gateway.start(cfg, log, Clock.systemUTC(), List.of());
    } catch (GatewayConfig.InvalidConfigException e) {
      err.println("warden serve: " + e.getMessage());
      return ExitCodes.USAGE;
    } catch (RuntimeException e) {
      err.println("warden serve: cannot start: " + e.getMessage());
      return ExitCodes.FAILURE;
    }
    gateway.newOperatorKey().ifPresent(key -> {
      out.println();
      out.println("Operator key (shown once; store it now, it cannot be recovered):");
      out.println();
      out.println("  " + key);
      out.println();
      out.flush();
    });
    out.println("AgentWarden listening on http://" + cfg.bind() + ":" + gateway.port());
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      gateway.close();
      stopped.countDown();
    }, "warden-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCodes.OK;
  }

  /** Defaults < config file < environment < flags. */
  Map<String, String> settings() {
    Map<String, String> s = new LinkedHashMap<>();
    Path file = config != null ? config : Path.of("").resolve(orEmpty(env.apply("WARDEN_CONFIG")));
    if (config != null || !orEmpty(env.apply("WARDEN_CONFIG")).isEmpty()) {
      s.putAll(readConfig(file));
    }
    for (String name : GatewayConfig.NAMES) {
      String v = env.apply(GatewayConfig.envName(name));
      if (v != null && !v.isBlank()) {
        s.put(name, v);
      }
    }
    put(s, "bind", bind);
    put(s, "port", port);
    put(s, "data_dir", dataDir);
    put(s, "database_url", databaseUrl);
    put(s, "database_pool_size", poolSize);
    put(s, "max_body_bytes", maxBodyBytes);
    put(s, "key_rate_per_second", keyRate);
    put(s, "key_burst", keyBurst);
    put(s, "tenant_rate_per_second", tenantRate);
    put(s, "tenant_burst", tenantBurst);
    put(s, "operator_key_file", operatorKeyFile);
    put(s, "pepper_file", pepperFile);
    put(s, "kek_file", kekFile);
    put(s, "previous_kek_file", previousKekFile);
    put(s, "key_dir", keyDir);
    put(s, "model_read_timeout_seconds", modelReadTimeout);
    put(s, "mcp_allowed_origins", mcpAllowedOrigins);
    for (String name : GatewayConfig.ENV_ONLY) {
      String v = env.apply(GatewayConfig.envName(name));
      if (v != null && !v.isBlank()) {
        s.put(name, v);
      }
    }
    return s;
  }

  private static String orEmpty(String v) {
    return v == null ? "" : v;
  }

  private static void put(Map<String, String> s, String name, String value) {
    if (value != null) {
      s.put(name, value);
    }
  }

  static Map<String, String> readConfig(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    } catch (IOException e) {
      throw new GatewayConfig.InvalidConfigException("cannot read config file " + file + ": " + firstLine(String.valueOf(e.getMessage())));
    }
    Map<String, String> s = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return s;
    }
    if (!root.isObject()) {
      throw new GatewayConfig.InvalidConfigException("config file " + file + " must be a mapping of setting: value");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (GatewayConfig.ENV_ONLY.contains(e.getKey())) {
        throw new GatewayConfig.InvalidConfigException(
            "config file " + file + " must not hold '" + e.getKey() + "'; use kek_file or the WARDEN_KEK environment variable");
      }
      if (e.getValue().isArray()) {
        // A list setting (mcp_allowed_origins) may be a YAML list; the environment and flags use commas.
        List<String> items = new ArrayList<>();
        for (JsonNode item : e.getValue()) {
          if (!item.isValueNode()) {
            throw new GatewayConfig.InvalidConfigException("config setting '" + e.getKey() + "' must list single values");
          }
          items.add(item.asText());
        }
        s.put(e.getKey(), String.join(",", items));
        continue;
      }
      if (!e.getValue().isValueNode()) {
        throw new GatewayConfig.InvalidConfigException("config setting '" + e.getKey() + "' must be a single value");
      }
      s.put(e.getKey(), e.getValue().asText());
    }
    return s;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
