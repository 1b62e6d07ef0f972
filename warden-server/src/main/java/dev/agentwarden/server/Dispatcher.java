package dev.agentwarden.server;

import dev.agentwarden.store.Database;
import dev.agentwarden.store.IdempotencyRecords;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The request pipeline every API call goes through, in this order: route match, authenticate,
 * role check, tenant scope, rate limit, body checks (size, media type, UTF-8), idempotency,
 * the handler, and finally one log line and the metrics. Failures at any step become problem
 * details in {@link Problems}.
 */
final class Dispatcher implements Handler {
  private static final Pattern SAFE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Pattern SAFE_IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
  private static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create("Idempotency-Key");
  private static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");
  private static final Duration ABANDONED_CLAIM = Duration.ofSeconds(60);

  private final RouteTable routes;
  private final Authenticator authenticator;
  private final RateLimiter rateLimiter;
  private final Database db;
  private final RequestLog log;
  private final HttpMetrics metrics;
  private final long maxBodyBytes;

  Dispatcher(RouteTable routes, Authenticator authenticator, RateLimiter rateLimiter, Database db,
      RequestLog log, HttpMetrics metrics, long maxBodyBytes) {
    this.routes = routes;
    this.authenticator = authenticator;
    this.rateLimiter = rateLimiter;
    this.db = db;
    this.log = log;
    this.metrics = metrics;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void handle(ServerRequest req, ServerResponse res) {
    long start = System.nanoTime();
    String requestId = req.headers().first(REQUEST_ID).filter(id -> SAFE_REQUEST_ID.matcher(id).matches())
        .orElseGet(() -> UUID.randomUUID().toString());
    String method = req.prologue().method().text();
    String path = req.path().rawPath();
    Exchange ex = new Exchange(requestId);
    ApiResponse response;
    try {
      response = dispatch(req, method, path, ex);
    } catch (Throwable e) {
      ApiException problem = Problems.classify(e);
      ex.code = problem.code();
      if (problem.status() >= 500 && !(e instanceof ApiException)) {
        log.event("error", "unhandled", Map.of("request_id", requestId, "route", ex.route,
            "error", e.getClass().getName(), "message", String.valueOf(e.getMessage())));
      }
      response = Problems.render(problem, requestId);
      for (Map.Entry<String, String> h : ex.headers.entrySet()) {
        response = response.withHeader(h.getKey(), h.getValue());
      }
    }
    write(res, response, requestId, method.equals("HEAD"));
    long nanos = System.nanoTime() - start;
    metrics.record(method, ex.route, response.status(), nanos);
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("request_id", requestId);
    fields.put("method", method);
    fields.put("route", ex.route);
    fields.put("status", response.status());
    fields.put("duration_ms", Math.round(nanos / 10_000.0) / 100.0);
    ex.principal.ifPresent(p -> {
      fields.put("tenant", p.tenant().toString());
      fields.put("key_id", p.keyId().toString());
    });
    fields.put("code", ex.code);
    log.event("info", RequestLog.REQUEST, fields);
  }

  /** Facts gathered along the pipeline for the log line. */
  private static final class Exchange {
    final String requestId;
    String route = "unmatched";
    Optional<Principal> principal = Optional.empty();
    @Nullable String code;
    final Map<String, String> headers = new LinkedHashMap<>();

    Exchange(String requestId) {
      this.requestId = requestId;
    }
  }

  private ApiResponse dispatch(ServerRequest req, String method, String path, Exchange ex) throws Exception {
    RouteTable.Match match = routes.match(method, path);
    ApiRoute route;
    Map<String, String> params;
    switch (match) {
      case RouteTable.Match.Missing m -> throw new ApiException(404, "route_not_found", "no such endpoint");
      case RouteTable.Match.WrongMethod w -> throw new ApiException(405, "method_not_allowed",
          "method " + method + " is not allowed here", Map.of("Allow", String.join(", ", w.allowed())));
      case RouteTable.Match.Found f -> {
        route = f.route();
        params = f.params();
      }
    }
    ex.route = route.template();

    Optional<Principal> principal = Optional.empty();
    if (!route.isPublic()) {
      Principal p = authenticator.authenticate(req.headers().first(HeaderNames.AUTHORIZATION));
      principal = Optional.of(p);
      ex.principal = principal;
      if (!route.roles().contains(p.role())) {
        throw ApiException.forbidden("forbidden", "this key's role may not call this endpoint");
      }
      RateLimiter.Verdict verdict = rateLimiter.acquire(p);
      ex.headers.putAll(verdict.headers());
      if (!verdict.allowed()) {
        throw new ApiException(429, "rate_limited", "rate limit exceeded; retry after " + verdict.retryAfterSeconds() + " s",
            verdict.headers());
      }
    }

    byte[] body = readBody(req, route, method);
    ApiRequest request = new ApiRequest(ex.requestId, principal, params,
        name -> req.query().first(name).asOptional(),
        name -> req.headers().first(HeaderNames.create(name)),
        body);

    Optional<String> idemKey = req.headers().first(IDEMPOTENCY_KEY);
    if (method.equals("POST") && idemKey.isPresent() && principal.isPresent()) {
      return withIdempotency(route, request, principal.get(), idemKey.get(), path, body, ex);
    }
    return withHeaders(route.handler().handle(request), ex);
  }

  private ApiResponse withIdempotency(ApiRoute route, ApiRequest request, Principal p, String key, String path,
      byte[] body, Exchange ex) throws Exception {
    if (!SAFE_IDEMPOTENCY_KEY.matcher(key).matches()) {
      throw ApiException.badRequest("invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters");
    }
    byte[] hash = requestHash(path, body);
    IdempotencyRecords.Claim claim = db.inTenant(p.tenant(), tx -> IdempotencyRecords.claim(tx, p.keyId(), key, hash, ABANDONED_CLAIM));
    switch (claim) {
      case IdempotencyRecords.Claim.Replay r -> {
        ApiResponse replay = new ApiResponse(r.response().status(), r.response().contentType(), r.response().body(),
            Map.of("Idempotent-Replayed", "true"), Optional.empty());
        return withHeaders(replay, ex);
      }
      case IdempotencyRecords.Claim.Mismatch m ->
          throw new ApiException(422, "idempotency_key_reused", "this Idempotency-Key was used with a different request");
      case IdempotencyRecords.Claim.InProgress i ->
          throw ApiException.conflict("idempotency_in_progress", "a request with this Idempotency-Key is still running");
      case IdempotencyRecords.Claim.Fresh f -> { }
    }
    ApiResponse response;
    try {
      response = route.handler().handle(request);
    } catch (Throwable e) {
      ApiException problem = Problems.classify(e);
      if (problem.status() >= 500) {
        db.inTenant(p.tenant(), tx -> {
          IdempotencyRecords.release(tx, p.keyId(), key);
          return null;
        });
      } else {
        ApiResponse rendered = Problems.render(problem, request.requestId());
        db.inTenant(p.tenant(), tx -> {
          IdempotencyRecords.complete(tx, p.keyId(), key,
              new IdempotencyRecords.Stored(rendered.status(), rendered.contentType(), rendered.body()));
          return null;
        });
      }
      throw e;
    }
    if (response.stream().isPresent() || response.status() >= 500) {
      db.inTenant(p.tenant(), tx -> {
        IdempotencyRecords.release(tx, p.keyId(), key);
        return null;
      });
    } else {
      db.inTenant(p.tenant(), tx -> {
        IdempotencyRecords.complete(tx, p.keyId(), key,
            new IdempotencyRecords.Stored(response.status(), response.contentType(), response.body()));
        return null;
      });
    }
    return withHeaders(response, ex);
  }

  private static ApiResponse withHeaders(ApiResponse response, Exchange ex) {
    ApiResponse out = response;
    for (Map.Entry<String, String> h : ex.headers.entrySet()) {
      out = out.withHeader(h.getKey(), h.getValue());
    }
    return out;
  }

  private byte[] readBody(ServerRequest req, ApiRoute route, String method) {
    boolean mayHaveBody = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    Optional<Long> declared = req.headers().contentLength().stream().boxed().findFirst();
    if (declared.isPresent() && declared.get() > maxBodyBytes) {
      throw new ApiException(413, "body_too_large", "request body exceeds " + maxBodyBytes + " bytes");
    }
    if (!req.content().hasEntity()) {
      return new byte[0];
    }
    byte[] body;
    try (InputStream in = req.content().inputStream()) {
      body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
    } catch (IOException | UncheckedIOException e) {
      throw ApiException.badRequest("unreadable_body", "the request body could not be read");
    }
    if (body.length > maxBodyBytes) {
      throw new ApiException(413, "body_too_large", "request body exceeds " + maxBodyBytes + " bytes");
    }
    if (body.length == 0) {
      return body;
    }
    if (!mayHaveBody) {
      throw ApiException.badRequest("unexpected_body", method + " requests take no body");
    }
    String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
    if (!acceptable(contentType, route)) {
      throw new ApiException(415, "unsupported_media_type",
          "Content-Type must be one of " + String.join(", ", new java.util.TreeSet<>(route.consumes())));
    }
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body));
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest("invalid_utf8", "the request body is not valid UTF-8");
    }
    return body;
  }

  private static boolean acceptable(String contentType, ApiRoute route) {
    String[] parts = contentType.split(";");
    String media = parts[0].trim().toLowerCase(Locale.ROOT);
    if (!route.consumes().contains(media)) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String param = parts[i].trim().toLowerCase(Locale.ROOT);
      if (param.startsWith("charset=") && !param.equals("charset=utf-8") && !param.equals("charset=\"utf-8\"")) {
        return false;
      }
    }
    return true;
  }

  private static byte[] requestHash(String path, byte[] body) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(path.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(body);
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void write(ServerResponse res, ApiResponse response, String requestId, boolean head) {
    res.status(Status.create(response.status()));
    res.header("X-Request-Id", requestId);
    res.header("Cache-Control", "no-store");
    res.header("X-Content-Type-Options", "nosniff");
    response.headers().forEach(res::header);
    if (!response.contentType().isEmpty()) {
      res.header(HeaderNames.CONTENT_TYPE, response.contentType());
    }
    if (response.stream().isPresent() && !head) {
      try (OutputStream out = res.outputStream()) {
        response.stream().get().writeTo(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return;
    }
    if (head || response.status() == 204) {
      res.send();
    } else {
      res.send(response.body());
    }
  }
}
