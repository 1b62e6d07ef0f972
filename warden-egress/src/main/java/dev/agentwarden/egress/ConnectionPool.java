package dev.agentwarden.egress;

import dev.agentwarden.core.policy.network.IpAddress;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Idle HTTP/1.1 connections kept for the next request to the same checked destination. A
 * connection is found again only under the exact key it was opened with: the caller's partition
 * (one tenant's connections are never another's), the address the policy checked and the
 * connection went to, the port, the scheme, the host name that drove SNI, certificate
 * verification and the Host header, and the TLS context that verified it. Every request still
 * passes the policy check first; only a destination that checks to the same address can find a
 * kept connection. Connections idle for longer than {@link #IDLE} are closed, not reused:
 * servers commonly close idle connections after five seconds.
 */
final class ConnectionPool {
  static final long IDLE = 4_000_000_000L;
  static final int MAX_IDLE_PER_KEY = 16;
  private static final int MAX_KEYS = 1_024;

  /** The one pool of the process: kept connections are found across clients by key only. */
  static final ConnectionPool SHARED = new ConnectionPool();

  record Key(String partition, IpAddress address, int port, String scheme, String host, SSLContext tls) {}

  private record Idle(Socket socket, long since) {}

  private final Map<Key, Deque<Idle>> idle = new HashMap<>();
  private long lastSweep = System.nanoTime();

  /** A kept connection for {@code key}, or empty: open a new one. */
  synchronized Optional<Socket> take(Key key) {
    long now = System.nanoTime();
    sweepIfDue(now);
    Deque<Idle> q = idle.get(key);
    while (q != null && !q.isEmpty()) {
      Idle i = q.pollLast();
      if (now - i.since() < IDLE && !i.socket().isClosed()) {
        return Optional.of(i.socket());
      }
      close(i.socket());
    }
    return Optional.empty();
  }

  /** Keeps {@code socket}, whose last response was read to its end, for the next request. */
  synchronized void put(Key key, Socket socket) {
    long now = System.nanoTime();
    sweepIfDue(now);
    if (!idle.containsKey(key) && idle.size() >= MAX_KEYS) {
      close(socket);
      return;
    }
    Deque<Idle> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
    if (q.size() >= MAX_IDLE_PER_KEY) {
      close(q.pollFirst().socket());
    }
    q.addLast(new Idle(socket, now));
  }

  /** Closes connections past their idle time, at most once a second. */
  private void sweepIfDue(long now) {
    if (now - lastSweep < 1_000_000_000L) {
      return;
    }
    lastSweep = now;
    for (Iterator<Deque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
      Deque<Idle> q = it.next();
      while (!q.isEmpty() && now - q.peekFirst().since() >= IDLE) {
        close(q.pollFirst().socket());
      }
      if (q.isEmpty()) {
        it.remove();
      }
    }
  }

  private static void close(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Nothing to do: the connection is gone either way.
    }
  }
}
