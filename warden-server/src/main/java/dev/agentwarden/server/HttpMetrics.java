package dev.agentwarden.server;

import dev.agentwarden.store.Database;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Request counters and latency histograms by route, rendered as Prometheus text. */
final class HttpMetrics {
  private static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private record Key(String method, String route, int status) {}

  private static final class Histogram {
    final LongAdder[] counts = new LongAdder[BUCKETS.length];
    final LongAdder count = new LongAdder();
    final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

    Histogram() {
      for (int i = 0; i < counts.length; i++) {
        counts[i] = new LongAdder();
      }
    }

    void observe(double seconds) {
      for (int i = 0; i < BUCKETS.length; i++) {
        if (seconds <= BUCKETS[i]) {
          counts[i].increment();
        }
      }
      count.increment();
      sum.add(seconds);
    }
  }

  private final ConcurrentHashMap<Key, LongAdder> requests = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Histogram> latency = new ConcurrentHashMap<>();

  void record(String method, String route, int status, long nanos) {
    requests.computeIfAbsent(new Key(method, route, status), k -> new LongAdder()).increment();
    latency.computeIfAbsent(route, r -> new Histogram()).observe(nanos / 1e9);
  }

  String render(Database.PoolStats pool) {
    StringBuilder out = new StringBuilder(4096);
    out.append("# HELP warden_http_requests_total HTTP requests by method, route template and status.\n");
    out.append("# TYPE warden_http_requests_total counter\n");
    Map<String, Long> sorted = new TreeMap<>();
    requests.forEach((k, v) -> sorted.put(
        "warden_http_requests_total{method=\"" + k.method() + "\",route=\"" + escape(k.route()) + "\",status=\"" + k.status() + "\"}",
        v.sum()));
    sorted.forEach((name, v) -> out.append(name).append(' ').append(v).append('\n'));

    out.append("# HELP warden_http_request_duration_seconds Time from request to response, by route template.\n");
    out.append("# TYPE warden_http_request_duration_seconds histogram\n");
    new TreeMap<>(latency).forEach((route, h) -> {
      String label = "route=\"" + escape(route) + "\"";
      for (int i = 0; i < BUCKETS.length; i++) {
        out.append("warden_http_request_duration_seconds_bucket{").append(label).append(",le=\"").append(BUCKETS[i]).append("\"} ")
            .append(h.counts[i].sum()).append('\n');
      }
      out.append("warden_http_request_duration_seconds_bucket{").append(label).append(",le=\"+Inf\"} ").append(h.count.sum()).append('\n');
      out.append("warden_http_request_duration_seconds_sum{").append(label).append("} ").append(h.sum.sum()).append('\n');
      out.append("warden_http_request_duration_seconds_count{").append(label).append("} ").append(h.count.sum()).append('\n');
    });

    out.append("# HELP warden_db_pool_connections Database pool connections by state.\n");
    out.append("# TYPE warden_db_pool_connections gauge\n");
    out.append("warden_db_pool_connections{state=\"active\"} ").append(pool.active()).append('\n');
    out.append("warden_db_pool_connections{state=\"idle\"} ").append(pool.idle()).append('\n');
    out.append("warden_db_pool_connections{state=\"max\"} ").append(pool.max()).append('\n');
    out.append("# HELP warden_db_pool_waiting_threads Threads waiting for a database connection.\n");
    out.append("# TYPE warden_db_pool_waiting_threads gauge\n");
    out.append("warden_db_pool_waiting_threads ").append(pool.waiting()).append('\n');
    return out.toString();
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
