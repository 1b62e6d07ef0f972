package dev.agentwarden.server;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.store.Provider;
import dev.agentwarden.store.ProviderRegistry;
import dev.agentwarden.store.ProviderRegistry.NewProvider;
import dev.agentwarden.store.ProviderRegistry.ProviderChange;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/providers} and the Mission Squad compatible aliases {@code GET /v1/core/providers},
 * {@code POST /v1/core/add/provider}, {@code POST /v1/core/delete/provider}. Keys are stored in
 * the vault and shown masked; {@code enabled: false} is the incident switch.
 */
final class ProviderService implements ApiService {
  private final ProviderRegistry providers;
  private final VaultEvents events;

  ProviderService(ProviderRegistry providers, VaultEvents events) {
    this.providers = providers;
    this.events = events;
  }

  record CreateProvider(
      String name,
      String kind,
      String baseUrl,
      @JsonDeserialize(using = SecretValueJson.class) SecretValue apiKey,
      String secretRef,
      List<String> allowedModels,
      Boolean enabled) {
    CreateProvider {
      Fields.require(name, "name");
      Fields.require(kind, "kind");
      Fields.require(baseUrl, "base_url");
      if ((apiKey == null) == (secretRef == null)) {
        throw ApiException.badRequest("invalid_field", "give exactly one of 'api_key' and 'secret_ref'");
      }
      allowedModels = allowedModels == null ? List.of() : allowedModels;
      enabled = enabled == null ? Boolean.TRUE : enabled;
    }

    NewProvider toNew() {
      return new NewProvider(name, kind, baseUrl, Optional.ofNullable(apiKey),
          Optional.ofNullable(secretRef).map(SecretRef::parse), allowedModels, enabled);
    }
  }

  record PatchProvider(
      Optional<String> kind,
      Optional<String> baseUrl,
      @JsonDeserialize(using = SecretValueJson.class) SecretValue apiKey,
      Optional<String> secretRef,
      Optional<List<String>> allowedModels,
      Optional<Boolean> enabled) {
    PatchProvider {
    }

    ProviderChange toChange() {
      return new ProviderChange(kind, baseUrl, Optional.ofNullable(apiKey), secretRef.map(SecretRef::parse),
          allowedModels, enabled);
    }
  }

  record DeleteByName(String name) {
    DeleteByName {
      Fields.require(name, "name");
    }
  }

  /** A provider as the API shows it: the key only as a reference and a masked value. */
  record ProviderView(
      UUID id,
      String name,
      String kind,
      String baseUrl,
      String secretRef,
      String apiKeyMasked,
      boolean ownsSecret,
      List<String> allowedModels,
      boolean enabled,
      Instant createdAt,
      Instant updatedAt) {
    static ProviderView of(Provider p) {
      return new ProviderView(p.id(), p.name(), p.kind(), p.baseUrl().toString(), p.secret().uri(), p.maskedKey(),
          p.ownsSecret(), p.allowedModels(), p.enabled(), p.createdAt(), p.updatedAt());
    }
  }

  @Override
  public void routes(RouteTable t) {
    t.add("POST", "/v1/providers", Roles.ADMIN, this::create);
    t.add("GET", "/v1/providers", Roles.ADMIN, this::list);
    t.add("GET", "/v1/providers/{name}", Roles.ADMIN, req ->
        ApiResponse.ok(providers.find(req.tenant(), req.pathParam("name")).map(ProviderView::of)
            .orElseThrow(() -> ApiException.notFound("provider"))));
    t.add("PATCH", "/v1/providers/{name}", Roles.ADMIN, req -> {
      PatchProvider body = req.body(PatchProvider.class);
      Provider p = providers.update(req.tenant(), req.pathParam("name"), body.toChange(), events.recorder(req))
          .orElseThrow(() -> ApiException.notFound("provider"));
      return ApiResponse.ok(ProviderView.of(p));
    });
    t.add("DELETE", "/v1/providers/{name}", Roles.ADMIN, req -> delete(req, req.pathParam("name")));

    // Mission Squad compatible aliases: same bodies and answers as the routes above.
    t.add("GET", "/v1/core/providers", Roles.ADMIN, this::list);
    t.add("POST", "/v1/core/add/provider", Roles.ADMIN, this::create);
    t.add("POST", "/v1/core/delete/provider", Roles.ADMIN, req -> delete(req, req.body(DeleteByName.class).name()));
  }

  private ApiResponse create(ApiRequest req) {
    CreateProvider body = req.body(CreateProvider.class);
    Provider p = providers.create(req.tenant(), body.toNew(), events.recorder(req));
    return ApiResponse.created(ProviderView.of(p)).withHeader("Location", "/v1/providers/" + p.name());
  }

  private ApiResponse list(ApiRequest req) {
    return ApiResponse.ok(Map.of("data", providers.list(req.tenant()).stream().map(ProviderView::of).toList()));
  }

  private ApiResponse delete(ApiRequest req, String name) {
    if (!providers.delete(req.tenant(), name, events.recorder(req))) {
      throw ApiException.notFound("provider");
    }
    return ApiResponse.noContent();
  }
}
