package dev.agentwarden.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** What a handler answers: a status, headers and either a body or a stream writer. */
public record ApiResponse(
    int status, String contentType, byte[] body, Map<String, String> headers, Optional<StreamingBody> stream) {

  /** Writes a body that is too large to hold in memory, e.g. an audit export. */
  @FunctionalInterface
  public interface StreamingBody {
    void writeTo(OutputStream out) throws IOException;
  }

  public ApiResponse {
    headers = Map.copyOf(headers);
  }

  public static ApiResponse json(int status, Object value) {
    return new ApiResponse(status, "application/json", Json.write(value), Map.of(), Optional.empty());
  }

  public static ApiResponse ok(Object value) {
    return json(200, value);
  }

  public static ApiResponse created(Object value) {
    return json(201, value);
  }

  public static ApiResponse noContent() {
    return new ApiResponse(204, "", new byte[0], Map.of(), Optional.empty());
  }

  public static ApiResponse text(int status, String contentType, String text) {
    return new ApiResponse(status, contentType, text.getBytes(StandardCharsets.UTF_8), Map.of(), Optional.empty());
  }

  public static ApiResponse stream(int status, String contentType, StreamingBody body) {
    return new ApiResponse(status, contentType, new byte[0], Map.of(), Optional.of(body));
  }

  public ApiResponse withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new ApiResponse(status, contentType, body, h, stream);
  }
}
