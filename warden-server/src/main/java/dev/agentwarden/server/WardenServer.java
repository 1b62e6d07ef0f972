package dev.agentwarden.server;

import dev.agentwarden.core.crypto.KeyHasher;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.TenantPurge;
import io.helidon.webserver.WebServer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** The HTTP API on Helidon: one route table behind one request pipeline. */
public final class WardenServer implements AutoCloseable {
  private final WebServer server;
  private final RouteTable routes;

  private WardenServer(WebServer server, RouteTable routes) {
    this.server = server;
    this.routes = routes;
  }

  /** Builds the route table of every service and starts listening. */
  public static WardenServer start(ServerSettings settings, Database db, KeyHasher hasher, AuditLog audit,
      TenantPurge purge, RequestLog log, BooleanSupplier schemaCurrent, List<ApiService> extraServices) {
    HttpMetrics metrics = new HttpMetrics();
    Authenticator authenticator = new Authenticator(db, hasher, settings.clock());
    KeyIssuer issuer = new KeyIssuer(hasher);
    List<ApiService> services = new ArrayList<>(List.of(
        new ProbeService(db, schemaCurrent, metrics),
        new TenantService(db, issuer, authenticator, audit, purge, settings.clock()),
        new KeyService(db, issuer, authenticator, audit, settings.clock())));
    services.addAll(extraServices);
    RouteTable routes = new RouteTable();
    services.forEach(s -> s.routes(routes));
    RateLimiter limiter = new RateLimiter(db,
        new RateLimiter.Limit(settings.keyRatePerSecond(), settings.keyBurst()),
        new RateLimiter.Limit(settings.tenantRatePerSecond(), settings.tenantBurst()));
    Dispatcher dispatcher = new Dispatcher(routes, authenticator, limiter, db, log, metrics, settings.maxBodyBytes());
    WebServer server = WebServer.builder()
        .host(settings.bind())
        .port(settings.port())
        .shutdownHook(false)
        // The pipeline enforces the body limit with a problem response before reading more
        // than the limit; Helidon's own limit is only a backstop far above it.
        .maxPayloadSize(Math.max(64L * 1024 * 1024, settings.maxBodyBytes() * 4))
        .routing(r -> r.any(dispatcher))
        .build()
        .start();
    return new WardenServer(server, routes);
  }

  public int port() {
    return server.port();
  }

  /** Every route, for documentation checks and the cross-tenant suite. */
  public List<ApiRoute> routes() {
    return routes.routes();
  }

  @Override
  public void close() {
    server.stop();
  }
}
