package dev.agentwarden.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.BrokeredSecret;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.core.vault.VaultException;
import java.net.URI;
import java.net.URISyntaxException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Model providers of each tenant. A provider's key is always a vault secret, so it is
 * encrypted, masked on read and released only through {@link #broker}, which fails closed when
 * the provider is disabled (the incident switch).
 */
public final class ProviderRegistry {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final int MAX_MODELS = 500;
  private static final Pattern MODEL = Pattern.compile("[\\x21-\\x7e]{1,200}");

  /** Supported kinds and the header their API expects the key in. */
  private static final Map<String, Injection> KINDS = Map.of(
      "openai", Injection.BEARER,
      "openai_compatible", Injection.BEARER,
      "anthropic", new Injection("x-api-key", ""),
      "google", new Injection("x-goog-api-key", ""),
      "azure_openai", new Injection("api-key", ""),
      "mistral", Injection.BEARER,
      "groq", Injection.BEARER,
      "openrouter", Injection.BEARER,
      "ollama", Injection.BEARER);

  private static Injection injection(String validKind) {
    return Objects.requireNonNull(KINDS.get(validKind), "a validated kind has an injection");
  }

  private static final String COLUMNS =
      "p.id, p.name, p.kind, p.base_url, s.name as secret_name, p.owns_secret, s.masked, p.allowed_models,"
          + " p.enabled, p.created_at, p.updated_at";
  private static final String FROM = " from providers p join vault_secrets s on s.id = p.secret_id";

  private final Database db;
  private final Vault vault;

  private ProviderRegistry(Database db, Vault vault) {
    this.db = db;
    this.vault = vault;
  }

  public static ProviderRegistry of(Database db, Vault vault) {
    return new ProviderRegistry(db, vault);
  }

  /** A provider to register; exactly one of {@code apiKey} and {@code secretRef}. */
  public record NewProvider(
      String name,
      String kind,
      String baseUrl,
      Optional<SecretValue> apiKey,
      Optional<SecretRef> secretRef,
      List<String> allowedModels,
      boolean enabled) {}

  /** A partial update; empty fields stay as they are. */
  public record ProviderChange(
      Optional<String> kind,
      Optional<String> baseUrl,
      Optional<SecretValue> apiKey,
      Optional<SecretRef> secretRef,
      Optional<List<String>> allowedModels,
      Optional<Boolean> enabled) {}

  /** @throws ConflictException when the name (or its owned secret's name) is taken */
  public Provider create(TenantId tenant, NewProvider p) {
    return create(tenant, p, ChangeRecorder.NONE);
  }

  /** As above, recording {@code provider.changed} (action {@code created}) in the same transaction. */
  public Provider create(TenantId tenant, NewProvider p, ChangeRecorder recorder) {
    String name = validName(p.name());
    String kind = validKind(p.kind());
    URI baseUrl = validBaseUrl(p.baseUrl());
    List<String> models = validModels(p.allowedModels());
    if (p.apiKey().isPresent() == p.secretRef().isPresent()) {
      throw new VaultException("invalid_provider", "give exactly one of api_key and secret_ref");
    }
    return db.inTenant(tenant, tx -> {
      UUID secretId;
      boolean owns = p.apiKey().isPresent();
      if (owns) {
        secretId = vault.create(tx, ownedSecret(name), p.apiKey().get(),
            AllowedHosts.of(List.of(baseUrl.getHost())), injection(kind)).id();
      } else {
        secretId = sharedSecretFor(tx, p.secretRef().get(), baseUrl).id();
      }
      UUID id = UUID.randomUUID();
      tx.update(
          "insert into providers (id, tenant_id, name, kind, base_url, secret_id, owns_secret, allowed_models, enabled)"
              + " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          id, tx.tenant(), name, kind, baseUrl.toString(), secretId, owns, models.toArray(String[]::new), p.enabled());
      Provider created = findById(tx, id).orElseThrow();
      recorder.record(tx, AuditEventType.PROVIDER_CHANGED, providerEvent("created", created));
      return created;
    });
  }

  public List<Provider> list(TenantId tenant) {
    return db.inTenant(tenant, tx -> tx.query("select " + COLUMNS + FROM + " order by p.name", ProviderRegistry::map));
  }

  public Optional<Provider> find(TenantId tenant, String name) {
    return db.inTenant(tenant, tx -> find(tx, name));
  }

  /** Applies {@code change}; empty when there is no such provider. */
  public Optional<Provider> update(TenantId tenant, String name, ProviderChange change) {
    return update(tenant, name, change, ChangeRecorder.NONE);
  }

  /**
   * As above, recording {@code provider.changed} in the same transaction, with action {@code
   * disabled}, {@code enabled}, {@code key_rotated} or {@code updated}.
   */
  public Optional<Provider> update(TenantId tenant, String name, ProviderChange change, ChangeRecorder recorder) {
    if (change.apiKey().isPresent() && change.secretRef().isPresent()) {
      throw new VaultException("invalid_provider", "give at most one of api_key and secret_ref");
    }
    Optional<String> kind = change.kind().map(ProviderRegistry::validKind);
    Optional<URI> baseUrl = change.baseUrl().map(ProviderRegistry::validBaseUrl);
    Optional<List<String>> models = change.allowedModels().map(ProviderRegistry::validModels);
    return db.inTenant(tenant, tx -> {
      Optional<Provider> found = find(tx, name);
      if (found.isEmpty()) {
        return found;
      }
      Provider current = found.get();
      URI url = baseUrl.orElse(current.baseUrl());
      String newKind = kind.orElse(current.kind());
      boolean owns = current.ownsSecret();
      SecretRef secret = current.secret();
      if (change.secretRef().isPresent()) {
        secret = change.secretRef().get();
        sharedSecretFor(tx, secret, url);
        owns = false;
      } else if (change.apiKey().isPresent() && !owns) {
        secret = ownedSecret(current.name());
        vault.create(tx, secret, change.apiKey().get(), AllowedHosts.of(List.of(url.getHost())), injection(newKind));
        owns = true;
      } else if (owns) {
        // The provider's own secret follows its URL and kind, and takes a new key if one came.
        vault.update(tx, secret, change.apiKey(),
            Optional.of(AllowedHosts.of(List.of(url.getHost()))), Optional.of(injection(newKind)));
      } else if (baseUrl.isPresent()) {
        sharedSecretFor(tx, secret, url);
      }
      UUID secretId = VaultSecrets.find(tx, secret).orElseThrow().id();
      tx.update(
          "update providers set kind = ?, base_url = ?, secret_id = ?, owns_secret = ?, allowed_models = ?,"
              + " enabled = ?, updated_at = now() where id = ?",
          newKind, url.toString(), secretId, owns,
          models.orElse(current.allowedModels()).toArray(String[]::new),
          change.enabled().orElse(current.enabled()), current.id());
      if (current.ownsSecret() && !secret.equals(current.secret())) {
        vault.delete(tx, current.secret());
      }
      Optional<Provider> updated = findById(tx, current.id());
      if (updated.isPresent()) {
        String action = change.enabled().filter(e -> e != current.enabled()).map(e -> e ? "enabled" : "disabled")
            .orElse(change.apiKey().isPresent() || change.secretRef().isPresent() ? "key_rotated" : "updated");
        recorder.record(tx, AuditEventType.PROVIDER_CHANGED, providerEvent(action, updated.get()));
      }
      return updated;
    });
  }

  /** Deletes the provider and the secret it owns (a shared secret stays). */
  public boolean delete(TenantId tenant, String name) {
    return delete(tenant, name, ChangeRecorder.NONE);
  }

  /** As above, recording {@code provider.changed} (action {@code deleted}) in the same transaction. */
  public boolean delete(TenantId tenant, String name, ChangeRecorder recorder) {
    return db.inTenant(tenant, tx -> {
      Optional<Provider> found = find(tx, name);
      if (found.isEmpty()) {
        return false;
      }
      tx.update("delete from providers where id = ?", found.get().id());
      if (found.get().ownsSecret()) {
        vault.delete(tx, found.get().secret());
      }
      recorder.record(tx, AuditEventType.PROVIDER_CHANGED, providerEvent("deleted", found.get()));
      return true;
    });
  }

  /**
   * The provider, if it exists and is enabled.
   *
   * @throws VaultException {@code provider_not_found}, or {@code provider_disabled} (the
   *     incident switch: every call through a disabled provider fails closed)
   */
  public Provider requireEnabled(TenantId tenant, String name) {
    return db.inTenant(tenant, tx -> requireEnabled(tx, name));
  }

  /**
   * Releases the provider's key for a request to {@code destinationHost}: only while the provider
   * is enabled and only toward a host its secret allows; decrypts nothing otherwise.
   */
  public BrokeredSecret broker(TenantId tenant, String name, String destinationHost) {
    return db.inTenant(tenant, tx -> {
      Provider p = requireEnabled(tx, name);
      return vault.broker(tx, p.secret(), destinationHost);
    });
  }

  private Provider requireEnabled(Tx tx, String name) throws SQLException {
    Provider p = find(tx, name).orElseThrow(
        () -> new VaultException("provider_not_found", "no provider named " + shown(name)));
    if (!p.enabled()) {
      throw new VaultException("provider_disabled", "provider " + p.name() + " is disabled");
    }
    return p;
  }

  /** The provider named {@code name}, enabled or not, inside the caller's transaction. */
  public static Optional<Provider> find(Tx tx, String name) throws SQLException {
    return tx.queryOne("select " + COLUMNS + FROM + " where p.name = ?", ProviderRegistry::map, name);
  }

  private static Optional<Provider> findById(Tx tx, UUID id) throws SQLException {
    return tx.queryOne("select " + COLUMNS + FROM + " where p.id = ?", ProviderRegistry::map, id);
  }

  private static VaultSecret sharedSecretFor(Tx tx, SecretRef ref, URI baseUrl) throws SQLException {
    VaultSecret s = VaultSecrets.find(tx, ref)
        .orElseThrow(() -> new VaultException("secret_not_found", "no secret " + ref + " in this tenant"));
    if (!s.allowedHosts().permits(baseUrl.getHost())) {
      throw new VaultException(
          "secret_host_mismatch",
          "secret " + ref + " may not be sent to " + baseUrl.getHost() + "; add it to the secret's allowed_hosts");
    }
    return s;
  }

  static ObjectNode providerEvent(String action, Provider p) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("action", action);
    body.put("provider", p.name());
    body.put("provider_id", p.id().toString());
    body.put("kind", p.kind());
    body.put("base_url", p.baseUrl().toString());
    body.put("secret", p.secret().uri());
    body.put("enabled", p.enabled());
    return body;
  }

  private static SecretRef ownedSecret(String providerName) {
    return new SecretRef("provider." + providerName);
  }

  static String validName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new VaultException(
          "invalid_provider", "a provider name must be 1-64 characters of a-z, 0-9, '.', '_', '-', got " + shown(name));
    }
    return name;
  }

  static String validKind(String kind) {
    if (kind == null || !KINDS.containsKey(kind)) {
      throw new VaultException(
          "invalid_provider",
          "kind must be one of " + String.join(", ", new java.util.TreeSet<>(KINDS.keySet())) + ", got " + shown(kind));
    }
    return kind;
  }

  static URI validBaseUrl(String text) {
    URI uri;
    try {
      uri = new URI(text == null ? "" : text.strip());
    } catch (URISyntaxException e) {
      throw badUrl(text);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null
        || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
        || text.length() > 2000) {
      throw badUrl(text);
    }
    try {
      AllowedHosts.of(List.of(uri.getHost()));
    } catch (VaultException e) {
      throw badUrl(text);
    }
    return uri.normalize();
  }

  private static VaultException badUrl(String text) {
    return new VaultException(
        "invalid_provider",
        "base_url must be an http(s) URL with a host and no credentials, query or fragment, got " + shown(text));
  }

  static List<String> validModels(List<String> models) {
    if (models.size() > MAX_MODELS) {
      throw new VaultException("invalid_provider", "allowed_models may list at most " + MAX_MODELS + " models");
    }
    for (String m : models) {
      if (m == null || !MODEL.matcher(m).matches()) {
        throw new VaultException("invalid_provider", "allowed_models entries must be 1-200 printable characters");
      }
    }
    return List.copyOf(new java.util.LinkedHashSet<>(models));
  }

  private static String shown(String s) {
    if (s == null) {
      return "nothing";
    }
    return s.length() <= 60 ? "'" + s.replaceAll("[^\\x20-\\x7e]", "?") + "'" : "a value of " + s.length() + " characters";
  }

  static Provider map(ResultSet rs) throws SQLException {
    return new Provider(
        Tx.uuid(rs, "id"),
        rs.getString("name"),
        rs.getString("kind"),
        URI.create(rs.getString("base_url")),
        new SecretRef(rs.getString("secret_name")),
        rs.getBoolean("owns_secret"),
        rs.getString("masked"),
        VaultSecrets.strings(rs.getArray("allowed_models")),
        rs.getBoolean("enabled"),
        Tx.requiredInstant(rs, "created_at"),
        Tx.requiredInstant(rs, "updated_at"));
  }
}
