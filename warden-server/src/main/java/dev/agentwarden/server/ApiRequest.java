package dev.agentwarden.server;

import dev.agentwarden.core.id.TenantId;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/** A request that passed the pipeline: caller, path parameters, query and the checked body. */
public final class ApiRequest {
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private final String requestId;
  private final Optional<Principal> principal;
  private final Map<String, String> pathParams;
  private final Function<String, Optional<String>> query;
  private final Function<String, Optional<String>> headers;
  private final byte[] body;

  ApiRequest(
      String requestId,
      Optional<Principal> principal,
      Map<String, String> pathParams,
      Function<String, Optional<String>> query,
      Function<String, Optional<String>> headers,
      byte[] body) {
    this.requestId = requestId;
    this.principal = principal;
    this.pathParams = Map.copyOf(pathParams);
    this.query = query;
    this.headers = headers;
    this.body = body;
  }

  public String requestId() {
    return requestId;
  }

  /** The authenticated caller; every non-public route has one. */
  public Principal principal() {
    return principal.orElseThrow(() -> new IllegalStateException("public route has no principal"));
  }

  /** The caller's tenant: the scope of every database transaction the handler opens. */
  public TenantId tenant() {
    return principal().tenant();
  }

  public String pathParam(String name) {
    String v = pathParams.get(name);
    if (v == null) {
      throw new IllegalStateException("route has no path parameter " + name);
    }
    return v;
  }

  /**
   * A path parameter that must be an id. Anything that is not a canonical UUID cannot name an
   * existing resource, so it is answered like an unknown id: 404.
   */
  public UUID idParam(String name, String what) {
    String v = pathParam(name);
    if (!UUID_TEXT.matcher(v).matches()) {
      throw ApiException.notFound(what);
    }
    return UUID.fromString(v);
  }

  public Optional<String> query(String name) {
    return query.apply(name);
  }

  /** An integer query parameter within [min, max], or the default when absent. */
  public int queryInt(String name, int defaultValue, int min, int max) {
    Optional<String> raw = query(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      int v = Integer.parseInt(raw.get());
      if (v < min || v > max) {
        throw ApiException.badRequest("invalid_parameter", name + " must be between " + min + " and " + max);
      }
      return v;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid_parameter", name + " must be an integer");
    }
  }

  public Optional<String> header(String name) {
    return headers.apply(name);
  }

  /** The JSON body as {@code type}; 400 when it is missing or does not fit. */
  public <T> T body(Class<T> type) {
    if (body.length == 0) {
      throw ApiException.badRequest("body_required", "a JSON body is required");
    }
    T value = Json.read(body, type);
    if (value == null) {
      throw ApiException.badRequest("body_required", "the body must be a JSON object, not null");
    }
    return value;
  }

  /** The JSON body as {@code type}, or {@code fallback} when the request has no body. */
  public <T> T bodyOr(Class<T> type, T fallback) {
    return body.length == 0 ? fallback : body(type);
  }

  /** The raw body bytes (already checked for size and UTF-8). */
  public byte[] rawBody() {
    return body.clone();
  }
}
