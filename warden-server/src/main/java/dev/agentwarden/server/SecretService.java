package dev.agentwarden.server;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.store.Vault;
import dev.agentwarden.store.VaultSecret;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/secrets}: a tenant admin stores credentials that agents then use only as {@code
 * vault://name} references. No route returns a value in clear: reads show the masked form.
 */
final class SecretService implements ApiService {
  private final Vault vault;
  private final VaultEvents events;

  SecretService(Vault vault, VaultEvents events) {
    this.vault = vault;
    this.events = events;
  }

  record CreateSecret(
      String name,
      @JsonDeserialize(using = SecretValueJson.class) SecretValue value,
      List<String> allowedHosts,
      Optional<String> header,
      Optional<String> headerPrefix) {
    CreateSecret {
      Fields.require(name, "name");
      Fields.require(value, "value");
      Fields.require(allowedHosts, "allowed_hosts");
    }
  }

  record ReplaceSecret(
      @JsonDeserialize(using = SecretValueJson.class) SecretValue value,
      Optional<List<String>> allowedHosts,
      Optional<String> header,
      Optional<String> headerPrefix) {
    ReplaceSecret {
      Fields.require(value, "value");
    }
  }

  /** A secret as the API shows it: the reference and the masked value, never the value. */
  record SecretView(
      UUID id,
      String name,
      String reference,
      String masked,
      List<String> allowedHosts,
      String header,
      String headerPrefix,
      int version,
      Instant createdAt,
      Instant updatedAt) {
    static SecretView of(VaultSecret s) {
      return new SecretView(s.id(), s.ref().name(), s.ref().uri(), s.masked(), s.allowedHosts().hosts(),
          s.injection().header(), s.injection().prefix(), s.version(), s.createdAt(), s.updatedAt());
    }
  }

  @Override
  public void routes(RouteTable t) {
    t.add("POST", "/v1/secrets", Roles.ADMIN, req -> {
      CreateSecret body = req.body(CreateSecret.class);
      SecretRef ref = new SecretRef(body.name());
      VaultSecret s = vault.create(req.tenant(), ref, body.value(), AllowedHosts.of(body.allowedHosts()),
          Injection.forHeader(body.header(), body.headerPrefix()), events.recorder(req));
      return ApiResponse.created(SecretView.of(s)).withHeader("Location", "/v1/secrets/" + ref.name());
    });
    t.add("GET", "/v1/secrets", Roles.ADMIN, req ->
        ApiResponse.ok(Map.of("data", vault.list(req.tenant()).stream().map(SecretView::of).toList())));
    t.add("GET", "/v1/secrets/{name}", Roles.ADMIN, req ->
        ApiResponse.ok(vault.find(req.tenant(), ref(req)).map(SecretView::of)
            .orElseThrow(() -> ApiException.notFound("secret"))));
    t.add("PUT", "/v1/secrets/{name}", Roles.ADMIN, req -> {
      SecretRef ref = ref(req);
      ReplaceSecret body = req.body(ReplaceSecret.class);
      Optional<Injection> injection = body.header().isPresent() || body.headerPrefix().isPresent()
          ? Optional.of(Injection.forHeader(body.header(), body.headerPrefix())) : Optional.empty();
      VaultSecret s = vault.update(req.tenant(), ref, Optional.of(body.value()),
              body.allowedHosts().map(AllowedHosts::of), injection, events.recorder(req))
          .orElseThrow(() -> ApiException.notFound("secret"));
      return ApiResponse.ok(SecretView.of(s));
    });
    t.add("DELETE", "/v1/secrets/{name}", Roles.ADMIN, req -> {
      SecretRef ref = ref(req);
      if (!vault.delete(req.tenant(), ref, events.recorder(req))) {
        throw ApiException.notFound("secret");
      }
      return ApiResponse.noContent();
    });
  }

  /** A path name that is not a valid secret name cannot name a secret: 404, like an unknown one. */
  private static SecretRef ref(ApiRequest req) {
    try {
      return new SecretRef(req.pathParam("name"));
    } catch (RuntimeException e) {
      throw ApiException.notFound("secret");
    }
  }
}
