package dev.agentwarden.server;

import dev.agentwarden.core.CoreException;
import dev.agentwarden.core.crypto.CryptoException;
import dev.agentwarden.core.vault.VaultException;
import dev.agentwarden.store.StoreException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place where failures become RFC 9457 problem details. Only {@link ApiException} and
 * {@link CoreException} messages reach clients; anything else is a 500 with a request id and
 * no detail, so a stack trace, SQL text or secret can never leak through an error.
 */
final class Problems {
  static final String MEDIA_TYPE = "application/problem+json";

  private Problems() {}

  static ApiException classify(Throwable e) {
    return switch (e) {
      case ApiException api -> api;
      case VaultException vault -> new ApiException(vaultStatus(vault.code()), vault.code(), vault.getMessage());
      // Stored keys or ciphertexts that do not open are the server's problem, not the caller's.
      case CryptoException crypto when !crypto.code().startsWith("invalid_") ->
          new ApiException(500, crypto.code(), "the vault cannot decrypt this tenant's data");
      case StoreException store when store.code().equals("kek_mismatch") ->
          new ApiException(500, "kek_mismatch", "the vault's key-encryption key does not match this data");
      case CoreException core -> new ApiException(400, core.code(), core.getMessage());
      case StoreException store when store.code().equals("conflict") ->
          ApiException.conflict("conflict", "a resource with the same unique name already exists");
      case StoreException store when store.code().equals("database_unavailable") ->
          new ApiException(503, "database_unavailable", "the database is unavailable; retry later", Map.of("Retry-After", "1"));
      default -> new ApiException(500, "internal_error", "internal error");
    };
  }

  static int vaultStatus(String code) {
    return switch (code) {
      case "secret_not_found", "provider_not_found" -> 404;
      case "host_not_allowed", "provider_disabled" -> 403;
      case "secret_in_use" -> 409;
      case "secret_host_mismatch" -> 422;
      default -> 400;
    };
  }

  static ApiResponse render(ApiException problem, String requestId) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "urn:agentwarden:problem:" + problem.code());
    body.put("title", title(problem.status()));
    body.put("status", problem.status());
    body.put("detail", problem.getMessage());
    body.put("code", problem.code());
    body.put("request_id", requestId);
    // The same failure in the shape OpenAI clients read (error.message, error.type, error.code),
    // so SDKs pointed at the gateway surface the reason.
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", problem.getMessage());
    error.put("type", openAiType(problem.status()));
    error.put("param", null);
    error.put("code", problem.code());
    body.put("error", error);
    ApiResponse response = new ApiResponse(problem.status(), MEDIA_TYPE, Json.write(body), problem.headers(), java.util.Optional.empty());
    return response;
  }

  static String openAiType(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 409 -> "conflict_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Content";
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Internal Server Error" : "Error";
    };
  }
}
