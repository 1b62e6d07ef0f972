package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.egress.EgressRequest;
import dev.agentwarden.store.Provider;
import java.util.List;
import java.util.Map;

/** Any OpenAI-compatible endpoint: the base URL is the API root, e.g. {@code https://api.openai.com/v1}. */
final class OpenAiAdapter implements ProviderAdapter {
  @Override
  public EgressRequest chatRequest(Provider provider, ObjectNode body) {
    return new EgressRequest("POST", url(provider, "/chat/completions"),
        List.of(Map.entry("Content-Type", "application/json"),
            Map.entry("Accept", body.path("stream").asBoolean(false) ? "text/event-stream" : "application/json")),
        Json.write(body));
  }

  @Override
  public EgressRequest modelsRequest(Provider provider) {
    return new EgressRequest("GET", url(provider, "/models"), List.of(Map.entry("Accept", "application/json")), new byte[0]);
  }

  @Override
  public ObjectNode toOpenAi(ObjectNode upstream) {
    return upstream;
  }

  private static String url(Provider p, String path) {
    String base = p.baseUrl().toString();
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path;
  }
}
