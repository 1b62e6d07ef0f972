package dev.agentwarden.server;

import dev.agentwarden.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Unauthenticated probes: liveness, readiness, Prometheus metrics and the OpenAPI document. */
final class ProbeService implements ApiService {
  private final Database db;
  private final BooleanSupplier schemaCurrent;
  private final HttpMetrics metrics;
  private final byte[] openApi;

  ProbeService(Database db, BooleanSupplier schemaCurrent, HttpMetrics metrics) {
    this.db = db;
    this.schemaCurrent = schemaCurrent;
    this.metrics = metrics;
    this.openApi = loadOpenApi();
  }

  static byte[] loadOpenApi() {
    try (InputStream in = ProbeService.class.getResourceAsStream("/openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void routes(RouteTable t) {
    t.add("GET", "/healthz", Roles.PUBLIC, req -> ApiResponse.ok(Map.of("status", "ok")));
    t.add("GET", "/readyz", Roles.PUBLIC, req -> {
      boolean database = db.ping();
      boolean migrations = database && schemaCurrent.getAsBoolean();
      Map<String, Object> body = Map.of(
          "status", database && migrations ? "ready" : "not_ready",
          "checks", Map.of("database", database ? "ok" : "unreachable", "migrations", migrations ? "current" : "pending"));
      return ApiResponse.json(database && migrations ? 200 : 503, body);
    });
    t.add("GET", "/metrics", Roles.PUBLIC,
        req -> ApiResponse.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.render(db.poolStats())));
    t.add("GET", "/openapi.json", Roles.PUBLIC,
        req -> new ApiResponse(200, "application/json", openApi, Map.of(), java.util.Optional.empty()));
  }
}
