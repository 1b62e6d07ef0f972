package dev.agentwarden.server;

import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.store.JdbcUrls;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything {@code warden serve} needs, validated before anything starts and immutable after.
 * Each setting has one name used in {@code warden.yaml} ({@code database_url}), as an
 * environment variable ({@code WARDEN_DATABASE_URL}) and as a flag ({@code --database-url}).
 * {@link #toString()} masks credentials.
 */
public record GatewayConfig(
    String bind,
    int port,
    Path dataDir,
    Optional<String> databaseUrl,
    int databasePoolSize,
    long maxBodyBytes,
    double keyRatePerSecond,
    double keyBurst,
    double tenantRatePerSecond,
    double tenantBurst,
    Optional<Path> operatorKeyFile,
    Optional<Path> pepperFile,
    Optional<Path> kekFile,
    Optional<Path> previousKekFile,
    Optional<SecretValue> kek,
    Optional<Path> keyDir,
    int modelReadTimeoutSeconds,
    AllowedOrigins mcpAllowedOrigins) {

  /** Every setting name, in the order {@code --help} lists them. */
  public static final Set<String> NAMES = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(java.util.List.of(
      "bind", "port", "data_dir", "database_url", "database_pool_size", "max_body_bytes",
      "key_rate_per_second", "key_burst", "tenant_rate_per_second", "tenant_burst",
      "operator_key_file", "pepper_file", "kek_file", "previous_kek_file", "key_dir", "model_read_timeout_seconds",
      "mcp_allowed_origins")));

  /**
   * Settings taken only from the environment, never from a flag (visible in the process list)
   * or the config file (often world-readable): {@code WARDEN_KEK}, the key-encryption key itself.
   */
  public static final Set<String> ENV_ONLY = Set.of("kek");

  private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*");

  /** A setting with a bad value; the message is one line naming the setting and what is allowed. */
  public static final class InvalidConfigException extends ApiException {
    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String message) {
      super(400, "invalid_config", message);
    }
  }

  /**
   * Builds a configuration from named string settings (lower-case names as in {@link #NAMES});
   * missing settings take their defaults.
   */
  public static GatewayConfig from(Map<String, String> settings) {
    for (String name : settings.keySet()) {
      if (!NAMES.contains(name) && !ENV_ONLY.contains(name)) {
        throw new InvalidConfigException("unknown setting '" + name + "'; known settings: " + String.join(", ", NAMES));
      }
    }
    Map<String, String> s = new LinkedHashMap<>(settings);
    String bind = s.getOrDefault("bind", "127.0.0.1");
    checkBind(bind);
    int port = (int) integer(s, "port", 8080, 0, 65535);
    Path dataDir = Path.of(s.getOrDefault("data_dir", ".warden"));
    Optional<String> url = Optional.ofNullable(s.get("database_url")).filter(u -> !u.isBlank());
    url.ifPresent(u -> {
      if (!u.startsWith("jdbc:postgresql://")) {
        throw new InvalidConfigException("database_url must start with jdbc:postgresql://, got '" + JdbcUrls.masked(u) + "'");
      }
    });
    int pool = (int) integer(s, "database_pool_size", 16, 2, 200);
    long maxBody = integer(s, "max_body_bytes", 1024 * 1024, 1024, 64L * 1024 * 1024);
    double keyRate = decimal(s, "key_rate_per_second", 50, 0.001, 1_000_000);
    double keyBurst = decimal(s, "key_burst", 100, 1, 10_000_000);
    double tenantRate = decimal(s, "tenant_rate_per_second", 200, 0.001, 1_000_000);
    double tenantBurst = decimal(s, "tenant_burst", 400, 1, 10_000_000);
    Optional<Path> operatorKeyFile = Optional.ofNullable(s.get("operator_key_file")).filter(v -> !v.isBlank()).map(Path::of);
    Optional<Path> pepperFile = Optional.ofNullable(s.get("pepper_file")).filter(v -> !v.isBlank()).map(Path::of);
    Optional<Path> kekFile = Optional.ofNullable(s.get("kek_file")).filter(v -> !v.isBlank()).map(Path::of);
    Optional<Path> previousKekFile =
        Optional.ofNullable(s.get("previous_kek_file")).filter(v -> !v.isBlank()).map(Path::of);
    Optional<SecretValue> kek = Optional.ofNullable(s.get("kek")).filter(v -> !v.isBlank()).map(SecretValue::of);
    Optional<Path> keyDir = Optional.ofNullable(s.get("key_dir")).filter(v -> !v.isBlank()).map(Path::of);
    int modelReadTimeout = (int) integer(s, "model_read_timeout_seconds", 60, 1, 3600);
    AllowedOrigins origins = AllowedOrigins.parse("mcp_allowed_origins", s.getOrDefault("mcp_allowed_origins", ""));
    return new GatewayConfig(bind, port, dataDir, url, pool, maxBody, keyRate, keyBurst, tenantRate, tenantBurst,
        operatorKeyFile, pepperFile, kekFile, previousKekFile, kek, keyDir, modelReadTimeout, origins);
  }

  /** The settings the HTTP layer needs. */
  public ServerSettings serverSettings(java.time.Clock clock) {
    return new ServerSettings(bind, port, maxBodyBytes, keyRatePerSecond, keyBurst, tenantRatePerSecond, tenantBurst, clock);
  }

  private static void checkBind(String bind) {
    boolean literal = bind.matches("[0-9.]+") || bind.contains(":");
    if (literal) {
      try {
        InetAddress.ofLiteral(bind);
        return;
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException("bind must be an IP address or host name, got '" + bind + "'");
      }
    }
    if (!HOSTNAME.matcher(bind).matches()) {
      throw new InvalidConfigException("bind must be an IP address or host name, got '" + bind + "'");
    }
    try {
      InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw new InvalidConfigException("bind host '" + bind + "' does not resolve");
    }
  }

  private static long integer(Map<String, String> s, String name, long def, long min, long max) {
    String raw = s.get(name);
    if (raw == null || raw.isBlank()) {
      return def;
    }
    try {
      long v = Long.parseLong(raw.trim());
      if (v < min || v > max) {
        throw new InvalidConfigException(name + " must be between " + min + " and " + max + ", got " + v);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(name + " must be an integer between " + min + " and " + max + ", got '" + raw + "'");
    }
  }

  private static double decimal(Map<String, String> s, String name, double def, double min, double max) {
    String raw = s.get(name);
    if (raw == null || raw.isBlank()) {
      return def;
    }
    try {
      double v = Double.parseDouble(raw.trim());
      if (!(v >= min && v <= max)) {
        throw new InvalidConfigException(name + " must be between " + min + " and " + max + ", got " + raw);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(name + " must be a number between " + min + " and " + max + ", got '" + raw + "'");
    }
  }

  /** The environment variable that carries a setting. */
  public static String envName(String setting) {
    return "WARDEN_" + setting.toUpperCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return "GatewayConfig[bind=" + bind + ", port=" + port + ", data_dir=" + dataDir
        + ", database_url=" + databaseUrl.map(JdbcUrls::masked).orElse("(embedded)")
        + ", database_pool_size=" + databasePoolSize + ", max_body_bytes=" + maxBodyBytes
        + ", key_rate_per_second=" + keyRatePerSecond + ", key_burst=" + keyBurst
        + ", tenant_rate_per_second=" + tenantRatePerSecond + ", tenant_burst=" + tenantBurst
        + ", operator_key_file=" + operatorKeyFile.map(Path::toString).orElse("(print)")
        + ", pepper_file=" + pepperFile.map(Path::toString).orElse("(data dir)")
        + ", kek_file=" + kekFile.map(Path::toString).orElse(kek.isPresent() ? "(WARDEN_KEK)" : "(data dir)")
        + ", previous_kek_file=" + previousKekFile.map(Path::toString).orElse("(none)")
        + ", key_dir=" + keyDir.map(Path::toString).orElse("(data dir)")
        + ", model_read_timeout_seconds=" + modelReadTimeoutSeconds
        + ", mcp_allowed_origins=" + mcpAllowedOrigins + "]";
  }
}
