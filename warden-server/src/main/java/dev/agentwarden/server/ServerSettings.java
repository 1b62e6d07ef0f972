package dev.agentwarden.server;

import java.time.Clock;
import java.util.Objects;

/**
 * The validated settings the HTTP layer runs with. Built once at start-up; immutable after.
 */
public record ServerSettings(
    String bind,
    int port,
    long maxBodyBytes,
    double keyRatePerSecond,
    double keyBurst,
    double tenantRatePerSecond,
    double tenantBurst,
    Clock clock) {

  public ServerSettings {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(clock, "clock");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
    }
    if (maxBodyBytes < 1024 || maxBodyBytes > 64L * 1024 * 1024) {
      throw new IllegalArgumentException("max body size must be between 1 KiB and 64 MiB, got " + maxBodyBytes);
    }
    new RateLimiter.Limit(keyRatePerSecond, keyBurst);
    new RateLimiter.Limit(tenantRatePerSecond, tenantBurst);
  }

  /** Defaults for a local gateway: loopback, port 8080, 1 MiB bodies, generous limits. */
  public static ServerSettings defaults() {
    return new ServerSettings("127.0.0.1", 8080, 1024 * 1024, 50, 100, 200, 400, Clock.systemUTC());
  }

  public ServerSettings withPort(int newPort) {
    return new ServerSettings(bind, newPort, maxBodyBytes, keyRatePerSecond, keyBurst, tenantRatePerSecond, tenantBurst, clock);
  }

  public ServerSettings withRateLimits(double keyRate, double keyBurstSize, double tenantRate, double tenantBurstSize) {
    return new ServerSettings(bind, port, maxBodyBytes, keyRate, keyBurstSize, tenantRate, tenantBurstSize, clock);
  }
}
