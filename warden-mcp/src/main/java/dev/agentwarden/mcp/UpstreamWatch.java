package dev.agentwarden.mcp;

import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.McpServer;
import dev.agentwarden.store.McpServers;
import dev.agentwarden.store.Tenant;
import dev.agentwarden.store.Tenants;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps, for every enabled upstream MCP server, one upstream session open with its server-to-
 * client event stream (GET), so that {@code notifications/tools/list_changed} re-syncs the server
 * at once: every tool is fetched and pinned again, and a changed identity is quarantined and
 * audited ({@link McpGateway#sync}). The same notification inside the response stream of a tool
 * call is handled by the call itself. Changes of its resource and prompt lists are passed on to
 * agents ({@link McpGateway#onContentChanged}); requests it sends on the stream are answered.
 *
 * <p>Every reconnection re-syncs too, because notifications sent while no stream was open are
 * lost: a stream is reopened when it ends, after {@link #IDLE} without a byte, after {@link
 * #LIFETIME}, and, for an upstream that does not announce list changes or offers no stream,
 * every {@link #RECHECK}. The egress client of each connection applies the tenant's network policy
 * as it is then. Each gateway process watches every server; syncs are serialised on the
 * server's row, and a sync that finds nothing new writes nothing but the time.
 */
public final class UpstreamWatch implements AutoCloseable {
  static final Duration IDLE = Duration.ofMinutes(15);
  static final Duration LIFETIME = Duration.ofMinutes(60);
  static final Duration RECHECK = Duration.ofMinutes(10);
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
  private static final int TENANT_PAGE = 200;

  private final Database db;
  private final McpGateway gateway;
  private final Map<Key, Thread> watchers = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private record Key(TenantId tenant, UUID serverId) {}

  public UpstreamWatch(Database db, McpGateway gateway) {
    this.db = db;
    this.gateway = gateway;
  }

  /** Starts watching every enabled server of every active tenant, in the background. */
  public void watchAll() {
    Thread.ofVirtual().name("mcp-watch-start").start(() -> {
      Optional<TenantId> after = Optional.empty();
      while (!closed) {
        Optional<TenantId> cursor = after;
        List<Tenant> page = db.asOperator(tx -> Tenants.list(tx, TENANT_PAGE, cursor));
        for (Tenant t : page) {
          if (t.status() == Tenant.Status.ACTIVE) {
            for (McpServer s : db.inTenant(t.id(), McpServers::list)) {
              if (s.enabled()) {
                watch(t.id(), s.id(), true);
              }
            }
          }
        }
        if (page.size() < TENANT_PAGE) {
          return;
        }
        after = Optional.of(page.getLast().id());
      }
    });
  }

  /**
   * Starts watching the server unless it is watched already. {@code syncFirst}: re-sync on the
   * first connection too (false right after registration, which has just pinned everything).
   */
  public void watch(TenantId tenant, UUID serverId, boolean syncFirst) {
    if (closed) {
      return;
    }
    Thread[] fresh = {null};
    watchers.computeIfAbsent(new Key(tenant, serverId),
        k -> fresh[0] = Thread.ofVirtual().name("mcp-watch-" + serverId).unstarted(() -> run(k, syncFirst)));
    if (fresh[0] != null) {
      fresh[0].start();
    }
  }

  /** Stops watching the server (deleted or disabled); its session ends with the stream. */
  public void unwatch(TenantId tenant, UUID serverId) {
    Thread t = watchers.remove(new Key(tenant, serverId));
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    watchers.values().forEach(Thread::interrupt);
    watchers.clear();
  }

  private void run(Key key, boolean syncFirst) {
    Thread self = Thread.currentThread();
    boolean sync = syncFirst;
    Duration backoff = FIRST_BACKOFF;
    while (!closed && watchers.get(key) == self && !self.isInterrupted()) {
      try {
        Optional<McpServer> server = db.inTenant(key.tenant(), tx -> McpServers.find(tx, key.serverId()));
        if (server.isEmpty() || !server.get().enabled()) {
          watchers.remove(key, self);
          return;
        }
        Optional<SecretRef> auth = server.get().authRef().map(SecretRef::parse);
        boolean streamed;
        try (UpstreamClient upstream = UpstreamClient.connect(
            gateway.streamEgress(key.tenant(), auth, IDLE, LIFETIME), server.get().url())) {
          if (sync) {
            gateway.resyncOnNotification(key.tenant(), key.serverId());
          }
          sync = true;
          backoff = FIRST_BACKOFF;
          String name = server.get().name();
          streamed = upstream.announcesListChanges() && upstream.listen(message -> {
            String method = message.path("method").asText("");
            if (message.hasNonNull("id") && !method.isEmpty()) {
              upstream.answer(message);
              return;
            }
            switch (method) {
              case UpstreamClient.TOOLS_LIST_CHANGED -> gateway.resyncOnNotification(key.tenant(), key.serverId());
              // Prompts and resources are pinned like tools: re-pinned before agents are told.
              case "notifications/resources/list_changed" ->
                  gateway.contentListChanged(key.tenant(), key.serverId(), name, McpGateway.RESOURCES);
              case "notifications/prompts/list_changed" ->
                  gateway.contentListChanged(key.tenant(), key.serverId(), name, McpGateway.PROMPTS);
              default -> { }
            }
          });
        }
        if (!streamed) {
          Thread.sleep(RECHECK);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // The upstream is unreachable, refused, or the stream's deadline passed; the database
        // may be closing. Try again later, re-syncing on the next connection.
        if (!sleep(backoff)) {
          return;
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
  }

  private static boolean sleep(Duration d) {
    try {
      Thread.sleep(d);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }
}
