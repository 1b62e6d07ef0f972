package dev.agentwarden.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.store.Agent;
import dev.agentwarden.store.McpServer;
import dev.agentwarden.store.McpTool;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Resource subscriptions of agents' MCP sessions. A subscription lives in an upstream session
 * (the upstream sends {@code notifications/resources/updated} to the session that subscribed),
 * so, unlike every other request, it cannot be served by a per-request upstream session: an
 * agent session that subscribes to a resource of a server holds one upstream session with that
 * server (a <em>link</em>), with its event stream open, for as long as it has subscriptions
 * there. The link is opened through egress like every upstream request (the tenant's network
 * policy, the brokered credential, the scrubbing of its echo) and answers the upstream's
 * requests as the watch does.
 *
 * <p>What a link hears goes to the agent's session: resource updates only for URIs the agent
 * subscribed to (renamed into the server's namespace), log messages through {@link LogRelay}
 * (the session's log level is forwarded to the upstream too). A link whose stream ends or fails
 * is reopened with backoff, re-sending the level and every subscription, while its server stays
 * enabled and attached for resources. It ends — and with it the upstream session (DELETE) — when
 * its last subscription is withdrawn, when the agent session ends, or when the server is
 * detached, disabled or deleted.
 */
final class SessionUpstreams implements AutoCloseable {
  static final int MAX_LINKS = 10_000;
  static final int MAX_SUBSCRIPTIONS_PER_LINK = 256;
  static final Duration IDLE = Duration.ofMinutes(15);
  static final Duration LIFETIME = Duration.ofMinutes(60);
  private static final Duration READY_WAIT = Duration.ofSeconds(60);
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

  /** Where a link's notifications go: the agent session that holds it. */
  interface Relay {
    void log(TenantId tenant, String sessionId, String server, JsonNode notification, List<String> masked);

    void updated(TenantId tenant, String sessionId, String server, String upstreamUri);

    /** The session's log level now, sent to an upstream when a link (re)connects. */
    Optional<LogLevel> level(TenantId tenant, String sessionId);
  }

  /** The agent session a request comes from. */
  record Scope(TenantId tenant, UUID keyId, String sessionId) {}

  private record Key(String sessionId, UUID serverId) {}

  private final McpGateway gateway;
  private final Relay relay;
  private final Map<Key, Link> links = new ConcurrentHashMap<>();
  private volatile boolean closed;

  SessionUpstreams(McpGateway gateway, Relay relay) {
    this.gateway = gateway;
    this.relay = relay;
  }

  /** {@code resources/subscribe} of {@code server+uri}: forwarded on the session's link to that server. */
  McpGateway.CallOutcome subscribe(Scope scope, Agent agent, String exposedUri) {
    Optional<McpServer> server = attachedServer(scope.tenant(), agent, exposedUri);
    if (server.isEmpty()) {
      return notFound(scope.tenant(), agent, exposedUri);
    }
    String uri = exposedUri.substring(exposedUri.indexOf(McpGateway.URI_SEPARATOR) + McpGateway.URI_SEPARATOR.length());
    // An update carries nothing but this URI back, and reading it passes the read gate, so an
    // unlisted resource may be subscribed; one under review may not.
    if (gateway.pinnedResource(scope.tenant(), server.get().id(), uri).filter(McpTool::quarantined).isPresent()) {
      gateway.refuse(scope.tenant(), "agent:" + agent.name(), exposedUri, "mcp.quarantined",
          "resource is quarantined until an admin re-approves it");
      return new McpGateway.CallOutcome.RpcError(McpGateway.CONTENT_DENIED, "resource " + exposedUri
          + " is quarantined: its identity changed or awaits review by an admin");
    }
    // Learning when a resource changes is reading it in part: the agent's policy on reads applies.
    Optional<McpGateway.CallOutcome> denied = gateway.contentPolicy(scope.tenant(), agent, server.get(),
        McpGateway.RESOURCES, server.get().name() + "/" + McpGateway.RESOURCES,
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("uri", uri));
    if (denied.isPresent()) {
      return denied.get();
    }
    Key key = new Key(scope.sessionId(), server.get().id());
    Link link;
    synchronized (links) {
      link = links.get(key);
      if (link == null) {
        if (closed || links.size() >= MAX_LINKS) {
          return new McpGateway.CallOutcome.RpcError(-32603,
              "this gateway holds too many upstream subscriptions; try again later");
        }
        link = new Link(key, scope, server.get());
        links.put(key, link);
        link.start();
      }
      link.users++;
    }
    try {
      UpstreamClient requests;
      try {
        requests = link.awaitReady();
      } catch (McpException e) {
        return new McpGateway.CallOutcome.RpcError(-32603, "upstream " + server.get().name() + ": "
            + gateway.scanner().redactSecrets(String.valueOf(e.getMessage())));
      }
      if (!requests.offers("resources", "subscribe")) {
        return new McpGateway.CallOutcome.RpcError(-32601,
            "Method not found: the upstream " + server.get().name() + " offers no resource subscriptions");
      }
      synchronized (link) {
        if (!link.subscribed.contains(uri) && link.subscribed.size() >= MAX_SUBSCRIPTIONS_PER_LINK) {
          return new McpGateway.CallOutcome.RpcError(-32603, "too many subscriptions to resources of " + server.get().name());
        }
      }
      Optional<McpGateway.CallOutcome> refused = forward(requests, "resources/subscribe", uri, server.get());
      if (refused.isPresent()) {
        return refused.get();
      }
      @Nullable UpstreamClient now;
      synchronized (link) {
        link.subscribed.add(uri);
        now = link.requests;
      }
      if (now != null && now != requests) {
        // The link reconnected meanwhile and may have restored the subscriptions without this one.
        forward(now, "resources/subscribe", uri, server.get());
      }
      return new McpGateway.CallOutcome.Result(JsonNodeFactory.instance.objectNode());
    } finally {
      release(link);
    }
  }

  /** {@code resources/unsubscribe}: withdrawn upstream; the last one ends the link and its upstream session. */
  McpGateway.CallOutcome unsubscribe(Scope scope, Agent agent, String exposedUri) {
    Optional<McpServer> server = attachedServer(scope.tenant(), agent, exposedUri);
    if (server.isEmpty()) {
      return notFound(scope.tenant(), agent, exposedUri);
    }
    String uri = exposedUri.substring(exposedUri.indexOf(McpGateway.URI_SEPARATOR) + McpGateway.URI_SEPARATOR.length());
    Link link;
    synchronized (links) {
      link = links.get(new Key(scope.sessionId(), server.get().id()));
      if (link == null) {
        // Nothing is subscribed there: nothing to withdraw.
        return new McpGateway.CallOutcome.Result(JsonNodeFactory.instance.objectNode());
      }
      link.users++;
    }
    try {
      @Nullable UpstreamClient requests;
      synchronized (link) {
        link.subscribed.remove(uri);
        requests = link.requests;
      }
      if (requests != null) {
        Optional<McpGateway.CallOutcome> refused = forward(requests, "resources/unsubscribe", uri, server.get());
        if (refused.isPresent()) {
          return refused.get();
        }
      }
      return new McpGateway.CallOutcome.Result(JsonNodeFactory.instance.objectNode());
    } finally {
      release(link);
    }
  }

  /** The session asked for another log level: its links tell their upstreams. */
  void levelChanged(String sessionId, LogLevel level) {
    for (Link link : links.values()) {
      if (link.key.sessionId().equals(sessionId)) {
        @Nullable UpstreamClient requests;
        synchronized (link) {
          requests = link.requests;
        }
        if (requests != null && requests.offers("logging")) {
          UpstreamClient r = requests;
          Thread.ofVirtual().name("mcp-link-level").start(() -> McpGateway.setLevel(r, level));
        }
      }
    }
  }

  /** The agent session ended: its links end, and with them their upstream sessions and subscriptions. */
  void ended(String sessionId) {
    for (Link link : List.copyOf(links.values())) {
      if (link.key.sessionId().equals(sessionId)) {
        end(link);
      }
    }
  }

  /** How many links are open now (for tests and metrics). */
  int open() {
    return links.size();
  }

  @Override
  public void close() {
    closed = true;
    List.copyOf(links.values()).forEach(this::end);
  }

  private Optional<McpServer> attachedServer(TenantId tenant, Agent agent, String exposedUri) {
    int sep = exposedUri.indexOf(McpGateway.URI_SEPARATOR);
    return sep <= 0 ? Optional.empty() : gateway.serversWith(tenant, agent, McpGateway.RESOURCES).stream()
        .filter(s -> s.name().equals(exposedUri.substring(0, sep))).findFirst();
  }

  private McpGateway.CallOutcome notFound(TenantId tenant, Agent agent, String exposedUri) {
    gateway.refuse(tenant, "agent:" + agent.name(), exposedUri, "resources.not_attached",
        "no attached server has this resource");
    return new McpGateway.CallOutcome.RpcError(-32002, "Resource not found: " + exposedUri);
  }

  /** Sends a (un)subscribe upstream; empty when it succeeded, else the error to answer. */
  private Optional<McpGateway.CallOutcome> forward(UpstreamClient requests, String method, String uri, McpServer server) {
    try {
      requests.rpc(method, JsonNodeFactory.instance.objectNode().put("uri", uri));
      return Optional.empty();
    } catch (UpstreamClient.UpstreamRpcError e) {
      int code = e.codeForAgent();
      return Optional.of(new McpGateway.CallOutcome.RpcError(code,
          gateway.scanner().redactSecrets(String.valueOf(e.getMessage()))));
    } catch (McpException e) {
      return Optional.of(new McpGateway.CallOutcome.RpcError(-32603, "upstream " + server.name() + ": "
          + gateway.scanner().redactSecrets(String.valueOf(e.getMessage()))));
    }
  }

  /** A request is done with the link: a link that holds no subscription and serves no request ends. */
  private void release(Link link) {
    boolean idle;
    synchronized (links) {
      link.users--;
      synchronized (link) {
        idle = link.users == 0 && link.subscribed.isEmpty();
      }
      if (idle) {
        // Removed under the same lock a new request takes it with, so no request gets an ending link.
        links.remove(link.key, link);
      }
    }
    if (idle) {
      link.close();
    }
  }

  /**
   * Agents or servers of {@code tenant} changed (detached, disabled, deleted): links whose server
   * the agent no longer has attached for resources end now rather than at their next reconnection.
   */
  void recheck(TenantId tenant) {
    List<Link> mine = links.values().stream().filter(l -> l.scope.tenant().equals(tenant)).toList();
    if (!mine.isEmpty()) {
      Thread.ofVirtual().name("mcp-link-recheck").start(() -> {
        for (Link link : mine) {
          try {
            if (link.current().isEmpty()) {
              end(link);
            }
          } catch (RuntimeException e) {
            // The database cannot say now: the link's next reconnection checks again.
          }
        }
      });
    }
  }

  private void end(Link link) {
    links.remove(link.key, link);
    link.close();
  }

  /** One agent session's upstream session with one server. */
  private final class Link {
    final Key key;
    final Scope scope;
    final String serverName;
    /** Upstream URIs the agent subscribed to; guarded by this. */
    final Set<String> subscribed = new LinkedHashSet<>();
    /** Requests in progress that use the link; guarded by {@link #links}. */
    int users;
    /** The client for requests on the current upstream session, once its stream is open; guarded by this. */
    @Nullable UpstreamClient requests;
    /** Why the last connection failed, until the next one is ready; guarded by this. */
    @Nullable String failure;
    volatile boolean closed;
    @Nullable Thread thread;

    Link(Key key, Scope scope, McpServer server) {
      this.key = key;
      this.scope = scope;
      this.serverName = server.name();
    }

    void start() {
      thread = Thread.ofVirtual().name("mcp-link-" + serverName).start(this::run);
    }

    void close() {
      closed = true;
      synchronized (this) {
        notifyAll();
      }
      Thread t = thread;
      if (t != null) {
        t.interrupt();
      }
    }

    /** The client for requests once the link's stream is open; throws when the link failed or ended first. */
    synchronized UpstreamClient awaitReady() {
      long deadline = System.nanoTime() + READY_WAIT.toNanos();
      while (requests == null && failure == null && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new McpException("upstream_timeout", "the upstream did not open its event stream in time");
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new McpException("upstream_unreachable", "interrupted");
        }
      }
      if (requests != null) {
        return requests;
      }
      throw new McpException("upstream_unreachable", failure != null ? failure : "the subscription link ended");
    }

    /** The link's server as stored now, while it is enabled and the agent has its resources attached. */
    Optional<McpServer> current() {
      Optional<McpServer> server = gateway.server(scope.tenant(), key.serverId())
          .filter(s -> s.enabled() && s.name().equals(serverName));
      boolean attached = server.isPresent() && gateway.agentForKey(scope.tenant(), scope.keyId()).filter(Agent::enabled)
          .filter(a -> a.tools().contains(serverName + "/" + McpGateway.RESOURCES)).isPresent();
      return attached ? server : Optional.empty();
    }

    private void run() {
      Duration backoff = FIRST_BACKOFF;
      while (!closed) {
        Optional<McpServer> server;
        try {
          server = current();
        } catch (RuntimeException e) {
          failed("the gateway cannot read the server now");
          if (!sleep(backoff)) {
            return;
          }
          continue;
        }
        if (server.isEmpty()) {
          failed("the server is disabled, gone or no longer attached for resources");
          end(this);
          return;
        }
        @Nullable UpstreamClient upstream = null;
        try {
          upstream = UpstreamClient.connect(gateway.streamEgress(scope.tenant(),
              server.get().authRef().map(SecretRef::parse), IDLE, LIFETIME), server.get().url());
          UpstreamClient stream = upstream;
          McpServer current = server.get();
          boolean streamed = upstream.listen(() -> ready(stream, current), message -> heard(stream, message));
          if (!streamed) {
            failed("the upstream offers no event stream, so it cannot announce resource updates");
            end(this);
            return;
          }
          backoff = FIRST_BACKOFF;
        } catch (RuntimeException e) {
          failed(e instanceof McpException m ? String.valueOf(m.getMessage()) : "the upstream failed");
        } finally {
          // An interrupt ends the link; clear it so that ending the upstream session still goes out.
          Thread.interrupted();
          synchronized (this) {
            requests = null;
          }
          if (upstream != null) {
            upstream.close();
          }
        }
        if (closed || !sleep(backoff)) {
          return;
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }

    /** The stream is open: the session's level and the subscriptions are (re)sent, then requests may use it. */
    private void ready(UpstreamClient stream, McpServer server) {
      UpstreamClient r = stream.sameSession(gateway.callEgress(scope.tenant(), server));
      Optional<LogLevel> level = relay.level(scope.tenant(), scope.sessionId());
      if (level.isPresent() && r.offers("logging")) {
        McpGateway.setLevel(r, level.get());
      }
      List<String> restore;
      synchronized (this) {
        restore = List.copyOf(subscribed);
      }
      for (String uri : restore) {
        forward(r, "resources/subscribe", uri, server);
      }
      synchronized (this) {
        requests = r;
        failure = null;
        notifyAll();
      }
    }

    private void heard(UpstreamClient stream, JsonNode message) {
      String method = message.path("method").asText("");
      if (message.hasNonNull("id") && !method.isEmpty()) {
        stream.answer(message);
        return;
      }
      switch (method) {
        case LogRelay.METHOD -> relay.log(scope.tenant(), scope.sessionId(), serverName, message,
            stream.sessionId().stream().toList());
        case "notifications/resources/updated" -> {
          String uri = message.path("params").path("uri").asText("");
          boolean wanted;
          synchronized (this) {
            wanted = subscribed.contains(uri);
          }
          if (wanted) {
            relay.updated(scope.tenant(), scope.sessionId(), serverName, uri);
          }
        }
        default -> { }
      }
    }

    private synchronized void failed(String why) {
      failure = why;
      notifyAll();
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

  static ObjectNode updatedNotification(String exposedUri) {
    ObjectNode n = JsonNodeFactory.instance.objectNode().put("jsonrpc", "2.0").put("method", "notifications/resources/updated");
    n.putObject("params").put("uri", exposedUri);
    return n;
  }
}
