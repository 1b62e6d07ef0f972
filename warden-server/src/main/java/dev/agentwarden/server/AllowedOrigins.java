package dev.agentwarden.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The browser origins that may call {@code /mcp} (DNS-rebinding protection, as MCP Streamable
 * HTTP requires). A request without an {@code Origin} header comes from a non-browser client and
 * is allowed; a request with one is allowed only when its origin is listed. {@code null} (the
 * origin of sandboxed frames and {@code file:} pages) and wildcards can never be listed. Origins
 * compare by scheme, host and port, case-insensitively, a default port equal to none.
 */
public record AllowedOrigins(List<String> origins) {
  public AllowedOrigins {
    origins = List.copyOf(origins);
  }

  /** None: every browser origin is refused. */
  public static AllowedOrigins none() {
    return new AllowedOrigins(List.of());
  }

  /** Parses a comma-separated list of {@code scheme://host[:port]}; the setting's name goes into errors. */
  static AllowedOrigins parse(String setting, String csv) {
    List<String> out = new ArrayList<>();
    for (String raw : csv.split(",", -1)) {
      String v = raw.trim();
      if (v.isEmpty()) {
        continue;
      }
      Optional<String> origin = normalised(v);
      if (origin.isEmpty()) {
        throw new GatewayConfig.InvalidConfigException(setting + " must list origins as http(s)://host[:port]"
            + " (no path, no wildcard, not 'null'), got '" + v + "'");
      }
      if (!out.contains(origin.get())) {
        out.add(origin.get());
      }
    }
    return new AllowedOrigins(out);
  }

  /** Whether a request with this {@code Origin} header (or none) may proceed. */
  public boolean allows(Optional<String> originHeader) {
    return originHeader.isEmpty() || normalised(originHeader.get().trim()).filter(origins::contains).isPresent();
  }

  private static Optional<String> normalised(String origin) {
    URI uri;
    try {
      uri = new URI(origin);
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawUserInfo() != null
        || !(uri.getRawPath() == null || uri.getRawPath().isEmpty()) || uri.getRawQuery() != null
        || uri.getRawFragment() != null || uri.getHost().contains("*")) {
      return Optional.empty();
    }
    int port = uri.getPort();
    boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
    return Optional.of(scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port));
  }

  @Override
  public String toString() {
    return origins.isEmpty() ? "(none)" : String.join(",", origins);
  }
}
