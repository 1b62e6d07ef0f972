package dev.agentwarden.egress;

import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.network.Destination;
import dev.agentwarden.core.policy.network.HttpUrl;
import dev.agentwarden.core.policy.network.InvalidUrlException;
import dev.agentwarden.core.policy.network.NetworkDecision;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.core.policy.network.Resolver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The only outbound HTTP client of AgentWarden.
 *
 * <p>For each hop: parse the URL with the policy's parser, let {@link NetworkPolicy} resolve the
 * name once and check every address, connect to the checked address (never a second lookup),
 * send the Host header and TLS server name of the original name with hostname verification on,
 * inject brokered credentials for that checked destination, and read the response within the
 * size cap and the timeouts. A connection is kept for a later request only where the caller asked
 * for it ({@link Builder#reuseConnections}) and only under the key of its checked destination
 * ({@code ConnectionPool}). Redirects are off unless enabled (at most 5), and every hop goes
 * through the same check. There is no way to turn TLS verification off; a custom trust store
 * can only add trusted certificates.
 *
 * <p>Immutable and thread-safe; one instance per policy.
 */
public final class EgressClient {
  /** The most redirects a client may be configured to follow. */
  public static final int MAX_REDIRECTS = 5;

  private final NetworkPolicy policy;
  private final Resolver resolver;
  private final CredentialInjector credentials;
  private final EgressListener listener;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Duration totalTimeout;
  private final long maxResponseBytes;
  private final int maxRedirects;
  private final SSLContext tls;
  private final Optional<String> reusePartition;

  private EgressClient(Builder b) {
    this.policy = b.policy;
    this.resolver = b.resolver;
    this.credentials = b.credentials;
    this.listener = b.listener;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.totalTimeout = b.totalTimeout;
    this.maxResponseBytes = b.maxResponseBytes;
    this.maxRedirects = b.maxRedirects;
    this.tls = Objects.requireNonNull(b.tls, "build() chooses the TLS context");
    this.reusePartition = b.reusePartition;
  }

  public static Builder builder(NetworkPolicy policy) {
    return new Builder(policy);
  }

  /**
   * Sends the request. Throws a subclass of {@link EgressException}: {@code DestinationDenied}
   * before anything is sent anywhere the policy did not pass.
   */
  public EgressResponse send(EgressRequest request) {
    Deadline deadline = new Deadline(totalTimeout, readTimeout);
    String method = request.method();
    byte[] body = request.bodyUnsafe();
    List<Map.Entry<String, String>> callerHeaders = request.headers();

    NetworkDecision decision = policy.check(method, request.url(), resolver);
    Optional<HttpUrl> firstUrl = parseQuietly(request.url());
    listener.onDecision(0, method, firstUrl, decision);
    Destination destination = requireAllowed(decision, 0, firstUrl);

    for (int hop = 0; ; hop++) {
      Http1Exchange.Response response = exchange(destination, method, callerHeaders, body, deadline);
      Optional<String> location = header(response.headers(), "location");
      if (!isRedirect(response.status()) || location.isEmpty() || maxRedirects == 0) {
        return new EgressResponse(response.status(), response.headers(), response.body(), destination, hop);
      }
      if (hop == maxRedirects) {
        throw new EgressException.TooManyRedirects("more than " + maxRedirects + " redirects");
      }
      HttpUrl from = destination.url();
      Optional<HttpUrl> next;
      NetworkDecision nextDecision;
      try {
        HttpUrl target = from.resolve(location.get());
        next = Optional.of(target);
        if (response.status() == 303 || ((response.status() == 301 || response.status() == 302) && method.equals("POST"))) {
          method = method.equals("HEAD") ? "HEAD" : "GET";
          body = new byte[0];
        }
        nextDecision = policy.check(method, target, resolver);
      } catch (InvalidUrlException e) {
        next = Optional.empty();
        nextDecision =
            new NetworkDecision(
                Decision.deny(NetworkPolicy.RULE_INVALID_URL, "invalid redirect location: " + e.getMessage()),
                Optional.empty(),
                Optional.empty());
      }
      listener.onDecision(hop + 1, method, next, nextDecision);
      destination = requireAllowed(nextDecision, hop + 1, next);
      if (!sameOrigin(from, destination.url())) {
        callerHeaders = withoutOriginBound(callerHeaders);
      }
    }
  }

  /**
   * Sends the request and returns once the response head arrived; the body is read while the
   * caller consumes {@link EgressStream#body()}, so an answer that is produced over time (server-
   * sent events) reaches the caller as it comes. Same checks, credential injection, cap and
   * timeouts as {@link #send} (the total timeout covers the whole stream); redirects are never
   * followed: a redirect is returned as it is. The caller must close the stream.
   */
  public EgressStream open(EgressRequest request) {
    Deadline deadline = new Deadline(totalTimeout, readTimeout);
    String method = request.method();
    NetworkDecision decision = policy.check(method, request.url(), resolver);
    Optional<HttpUrl> url = parseQuietly(request.url());
    listener.onDecision(0, method, url, decision);
    Destination destination = requireAllowed(decision, 0, url);
    List<Map.Entry<String, String>> headers = withCredentials(destination, request.headers());
    InetSocketAddress address = new InetSocketAddress(destination.address().toInetAddress(), destination.url().port());
    Socket raw = new Socket();
    Thread watchdog = Thread.ofVirtual().start(() -> closeAtDeadline(raw, deadline));
    boolean handedOver = false;
    try {
      Socket socket = connect(raw, address, destination.url(), deadline);
      Http1Exchange ex = new Http1Exchange(socket, deadline, maxResponseBytes);
      Http1Exchange.Head head =
          ex.sendAndReadHead(method, destination.url().requestTarget(), destination.url().authority(), headers,
              request.bodyUnsafe());
      EgressStream stream = new EgressStream(head.status(), head.headers(),
          new DeadlineAwareStream(ex.bodyStream(method, head), deadline), destination, () -> {
            watchdog.interrupt();
            closeQuietly(socket);
            closeQuietly(raw);
          });
      handedOver = true;
      return stream;
    } catch (SocketTimeoutException e) {
      throw deadline.timeout();
    } catch (SSLException e) {
      if (deadline.remainingMillis() <= 0) {
        throw new EgressException.Timeout("total", "the request took longer than its total timeout");
      }
      throw new EgressException.TlsFailure("TLS with " + destination.url().host() + " failed: " + e.getMessage(), e);
    } catch (IOException e) {
      if (deadline.remainingMillis() <= 0) {
        throw new EgressException.Timeout("total", "the request took longer than its total timeout");
      }
      throw new EgressException.ConnectFailure(
          "connection to " + destination.url().host() + " failed: " + e.getClass().getSimpleName(), e);
    } finally {
      if (!handedOver) {
        watchdog.interrupt();
        closeQuietly(raw);
      }
    }
  }

  /** Maps socket failures while a stream is read to the same exceptions {@link #send} throws. */
  private static final class DeadlineAwareStream extends java.io.FilterInputStream {
    private final Deadline deadline;

    DeadlineAwareStream(java.io.InputStream in, Deadline deadline) {
      super(in);
      this.deadline = deadline;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (SocketTimeoutException e) {
        throw deadline.timeout();
      } catch (IOException e) {
        if (deadline.remainingMillis() <= 0) {
          throw new EgressException.Timeout("total", "the request took longer than its total timeout");
        }
        throw new EgressException.ConnectFailure("the upstream connection broke: " + e.getClass().getSimpleName(), e);
      }
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }
  }

  private List<Map.Entry<String, String>> withCredentials(Destination destination, List<Map.Entry<String, String>> callerHeaders) {
    List<Map.Entry<String, String>> headers = new ArrayList<>(callerHeaders);
    Map<String, String> injected = credentials.headersFor(destination);
    for (Map.Entry<String, String> h : injected.entrySet()) {
      Headers.checkName(h.getKey());
      Headers.checkValue(h.getKey(), h.getValue());
      headers.removeIf(e -> e.getKey().equalsIgnoreCase(h.getKey()));
      headers.add(Map.entry(h.getKey(), h.getValue()));
    }
    return headers;
  }

  private Http1Exchange.Response exchange(
      Destination destination, String method, List<Map.Entry<String, String>> callerHeaders, byte[] body, Deadline deadline) {
    HttpUrl url = destination.url();
    // Credentials only now: the destination of this very hop has passed the policy.
    List<Map.Entry<String, String>> headers = withCredentials(destination, callerHeaders);
    Optional<ConnectionPool.Key> key = reusePartition.map(p ->
        new ConnectionPool.Key(p, destination.address(), url.port(), url.scheme(), url.host(), tls));
    Optional<Socket> kept = key.flatMap(ConnectionPool.SHARED::take);
    if (kept.isPresent()) {
      Optional<Http1Exchange.Response> response = exchangeOn(kept.get(), destination, key, method, headers, body, deadline);
      if (response.isPresent()) {
        return response.get();
      }
      // The server had closed the kept connection before it read the request: a new one follows.
    }
    return exchangeOn(new Socket(), destination, key, method, headers, body, deadline)
        .orElseThrow(() -> new EgressException.BadResponse("upstream closed the connection in the middle of the response head"));
  }

  /**
   * One request on {@code raw}: a new, unconnected socket, or a kept, connected one. With a pool
   * key, a connection whose response ended cleanly is kept for the next request. Empty only for
   * a kept connection that failed before a byte of the response arrived (the caller retries once
   * on a new connection; a server that closes an idle connection never read the request).
   */
  private Optional<Http1Exchange.Response> exchangeOn(Socket raw, Destination destination,
      Optional<ConnectionPool.Key> key, String method, List<Map.Entry<String, String>> headers, byte[] body,
      Deadline deadline) {
    HttpUrl url = destination.url();
    boolean isKept = raw.isConnected();
    // Socket writes have no timeout in the JDK: a watchdog closes the socket at the total
    // deadline, so no phase of the exchange can outlive it.
    Thread watchdog = Thread.ofVirtual().start(() -> closeAtDeadline(raw, deadline));
    boolean keep = false;
    @Nullable Http1Exchange ex = null;
    try {
      Socket socket = isKept ? raw
          : connect(raw, new InetSocketAddress(destination.address().toInetAddress(), url.port()), url, deadline);
      ex = new Http1Exchange(socket, deadline, maxResponseBytes, key.isPresent());
      Http1Exchange.Response response = ex.exchange(method, url.requestTarget(), url.authority(), headers, body);
      watchdog.interrupt();
      if (key.isPresent() && ex.reusable() && !socket.isClosed()) {
        ConnectionPool.SHARED.put(key.get(), socket);
        keep = true;
      } else {
        closeQuietly(socket);
      }
      return Optional.of(response);
    } catch (IOException | EgressException.BadResponse e) {
      if (isKept && ex != null && ex.receivedNothing() && deadline.remainingMillis() > 0) {
        return Optional.empty();
      }
      throw failure(e, url, deadline);
    } finally {
      watchdog.interrupt();
      if (!keep) {
        closeQuietly(raw);
      }
    }
  }

  private static EgressException failure(Exception e, HttpUrl url, Deadline deadline) {
    if (e instanceof EgressException.BadResponse bad) {
      return bad;
    }
    if (e instanceof SocketTimeoutException) {
      return deadline.timeout();
    }
    if (deadline.remainingMillis() <= 0) {
      return new EgressException.Timeout("total", "the request took longer than its total timeout");
    }
    if (e instanceof SSLException ssl) {
      return new EgressException.TlsFailure("TLS with " + url.host() + " failed: " + ssl.getMessage(), ssl);
    }
    return new EgressException.ConnectFailure("connection to " + url.host() + " failed: " + e.getClass().getSimpleName(), e);
  }

  private static void closeAtDeadline(Socket socket, Deadline deadline) {
    try {
      long ms = deadline.remainingMillis();
      if (ms > 0) {
        Thread.sleep(ms);
      }
      closeQuietly(socket);
    } catch (InterruptedException e) {
      // The exchange finished first.
    }
  }

  private Socket connect(Socket raw, InetSocketAddress address, HttpUrl url, Deadline deadline) throws IOException {
    raw.setTcpNoDelay(true);
    try {
      raw.connect(address, deadline.connectTimeoutMillis(connectTimeout));
    } catch (SocketTimeoutException e) {
      throw new EgressException.Timeout("connect", "connecting to " + url.host() + " timed out");
    }
    if (!url.scheme().equals("https")) {
      return raw;
    }
    // Layer TLS over the socket already connected to the checked address, naming the original
    // host: that name drives SNI and certificate hostname verification.
    SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(raw, url.host(), url.port(), true);
    SSLParameters params = ssl.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    if (url.ipLiteral().isEmpty()) {
      params.setServerNames(List.of(new SNIHostName(url.host())));
    }
    ssl.setSSLParameters(params);
    ssl.setSoTimeout(deadline.nextReadTimeoutMillis());
    ssl.startHandshake();
    return ssl;
  }

  private static Destination requireAllowed(NetworkDecision decision, int hop, Optional<HttpUrl> url) {
    if (decision.allowed()) {
      return decision.destination().orElseThrow();
    }
    String where = url.map(u -> u.host()).orElse("an invalid URL");
    String what = hop == 0 ? "destination " + where : "redirect " + hop + " to " + where;
    throw new EgressException.DestinationDenied(
        what + " denied by " + decision.decision().ruleId() + ": " + decision.decision().reason(), decision.decision());
  }

  private static Optional<HttpUrl> parseQuietly(String url) {
    try {
      return Optional.of(HttpUrl.parse(url));
    } catch (InvalidUrlException e) {
      return Optional.empty();
    }
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static boolean sameOrigin(HttpUrl a, HttpUrl b) {
    return a.scheme().equals(b.scheme()) && a.host().equals(b.host()) && a.port() == b.port();
  }

  private static List<Map.Entry<String, String>> withoutOriginBound(List<Map.Entry<String, String>> headers) {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      if (!Headers.ORIGIN_BOUND.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        out.add(h);
      }
    }
    return out;
  }

  private static Optional<String> header(List<Map.Entry<String, String>> headers, String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return Optional.of(h.getValue());
      }
    }
    return Optional.empty();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Already failed or closed; nothing to report beyond the primary outcome.
    }
  }

  /** Validating builder; defaults are safe: no redirects, 10 MiB cap, 5 s connect, 30 s read, 60 s total. */
  public static final class Builder {
    private final NetworkPolicy policy;
    private Resolver resolver = SystemResolver.instance();
    private CredentialInjector credentials = CredentialInjector.none();
    private EgressListener listener = EgressListener.none();
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration readTimeout = Duration.ofSeconds(30);
    private Duration totalTimeout = Duration.ofSeconds(60);
    private long maxResponseBytes = 10L * 1024 * 1024;
    private int maxRedirects = 0;
    private @Nullable SSLContext tls;
    private Optional<String> reusePartition = Optional.empty();

    private Builder(NetworkPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
    }

    public Builder resolver(Resolver value) {
      this.resolver = Objects.requireNonNull(value, "resolver");
      return this;
    }

    public Builder credentials(CredentialInjector value) {
      this.credentials = Objects.requireNonNull(value, "credentials");
      return this;
    }

    public Builder listener(EgressListener value) {
      this.listener = Objects.requireNonNull(value, "listener");
      return this;
    }

    public Builder connectTimeout(Duration value) {
      this.connectTimeout = positive(value, "connectTimeout");
      return this;
    }

    public Builder readTimeout(Duration value) {
      this.readTimeout = positive(value, "readTimeout");
      return this;
    }

    public Builder totalTimeout(Duration value) {
      this.totalTimeout = positive(value, "totalTimeout");
      return this;
    }

    public Builder maxResponseBytes(long value) {
      if (value < 0) {
        throw new IllegalArgumentException("maxResponseBytes must be >= 0, got " + value);
      }
      this.maxResponseBytes = value;
      return this;
    }

    /**
     * Keeps connections of {@link #send} open for later requests of clients with the same
     * {@code partition} (e.g. one tenant) to the same checked destination, for at most a few
     * seconds of idleness. Off by default: every request then opens its own connection and
     * closes it. Streams ({@link #open}) never reuse connections.
     */
    public Builder reuseConnections(String partition) {
      if (partition.isBlank()) {
        throw new IllegalArgumentException("reuseConnections needs a non-blank partition");
      }
      this.reusePartition = Optional.of(partition);
      return this;
    }

    /** 0 (the default) returns redirects to the caller; 1..5 follows them, each hop re-checked. */
    public Builder followRedirects(int max) {
      if (max < 0 || max > MAX_REDIRECTS) {
        throw new IllegalArgumentException("followRedirects must be 0.." + MAX_REDIRECTS + ", got " + max);
      }
      this.maxRedirects = max;
      return this;
    }

    /**
     * Trusts the certificates of this key store instead of the JDK's default CAs (for private
     * upstreams and tests). Hostname verification stays on.
     */
    public Builder trustStore(KeyStore trusted) {
      try {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trusted);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        this.tls = ctx;
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("trust store cannot be used: " + e.getMessage(), e);
      }
      return this;
    }

    public EgressClient build() {
      if (tls == null) {
        try {
          tls = SSLContext.getDefault();
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("the JDK has no default TLS context", e);
        }
      }
      return new EgressClient(this);
    }

    private static Duration positive(Duration d, String name) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }
  }
}
