package dev.agentwarden.server;

import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.policy.network.Destination;
import dev.agentwarden.core.vault.BrokeredSecret;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.core.vault.StreamScrubber;
import dev.agentwarden.egress.CredentialInjector;
import dev.agentwarden.egress.EgressResponse;
import dev.agentwarden.egress.EgressStream;
import dev.agentwarden.core.vault.VaultException;
import dev.agentwarden.store.Provider;
import dev.agentwarden.store.ProviderRegistry;
import dev.agentwarden.store.SealedSecret;
import dev.agentwarden.store.Tx;
import java.sql.SQLException;
import dev.agentwarden.store.Vault;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Credential brokering: how the rest of the gateway sends a request that needs a credential it
 * only knows as {@code vault://name} (or as a provider name).
 *
 * <p>{@link #secret} and {@link #provider} return a {@link Brokering}, the {@link
 * CredentialInjector} of one outbound call. Egress calls it only after the network policy passed
 * the destination of the hop; it then asks the vault for the secret <em>for that host</em>: a
 * host outside the secret's {@code allowed_hosts} is refused before anything is decrypted (and
 * the request is not sent), a disabled provider is refused (403 {@code provider_disabled}).
 * Whatever the upstream sends back, whole or streamed, goes through {@link Brokering#scrub}
 * before anyone sees it, so an echoed secret never reaches a caller, a log, an audit body or a model.
 */
public final class CredentialBroker {
  private final Vault vault;
  private final ProviderRegistry providers;

  public CredentialBroker(Vault vault, ProviderRegistry providers) {
    this.vault = vault;
    this.providers = providers;
  }

  /** Brokering of one tenant secret for one outbound call. */
  public Brokering secret(TenantId tenant, SecretRef ref) {
    return new Brokering(host -> vault.broker(tenant, ref, host));
  }

  /**
   * Brokering of a provider's key for one outbound call. Checks at once that the provider exists
   * and is enabled (so a disabled provider fails before any connection), and again when the key
   * is released.
   */
  public Brokering provider(TenantId tenant, String providerName) {
    providers.requireEnabled(tenant, providerName);
    return new Brokering(host -> providers.broker(tenant, providerName, host));
  }

  /**
   * Brokering of the key of a provider the caller has just read as enabled in {@code tx}, the
   * transaction that admits the call: the key is read there, still encrypted, and egress
   * releases it (allowed-host check, then decryption) without another round trip to the database.
   */
  Brokering provider(Tx tx, Provider provider) throws SQLException {
    if (!provider.enabled()) {
      throw new VaultException("provider_disabled", "provider " + provider.name() + " is disabled");
    }
    SealedSecret key = vault.seal(tx, provider.secret());
    return new Brokering(key::release);
  }

  /**
   * The credential side of one outbound call: the injector egress calls per hop, and the scrubber
   * for what comes back. Holds released secrets only for the life of the call.
   */
  public static final class Brokering implements CredentialInjector {
    private final Function<String, BrokeredSecret> release;
    private final List<BrokeredSecret> released = new CopyOnWriteArrayList<>();

    private Brokering(Function<String, BrokeredSecret> release) {
      this.release = release;
    }

    @Override
    public Map<String, String> headersFor(Destination destination) {
      BrokeredSecret s = release.apply(destination.url().host());
      released.add(s);
      return Map.of(s.headerName(), s.headerValue());
    }

    /** The response with every released secret replaced by its reference, in headers and body. */
    public EgressResponse scrub(EgressResponse response) {
      if (released.isEmpty()) {
        return response;
      }
      byte[] body = response.body();
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      for (Map.Entry<String, String> h : response.headers()) {
        headers.add(Map.entry(h.getKey(), scrub(h.getValue())));
      }
      for (BrokeredSecret s : released) {
        body = s.scrub(body);
      }
      return new EgressResponse(response.status(), headers, body, response.destination(), response.redirects());
    }

    /**
     * A streamed response (chunked, server-sent events) with every released secret replaced by
     * its reference in the headers and, through a sliding window ({@link StreamScrubber}), in the
     * body: a secret split across chunks is still removed.
     */
    public EgressStream scrub(EgressStream response) {
      if (released.isEmpty()) {
        return response;
      }
      List<BrokeredSecret> secrets = List.copyOf(released);
      return response.filtered(this::scrub, body -> StreamScrubber.scrubbing(body, secrets));
    }

    /** {@code text} with every released secret replaced by its reference. */
    public String scrub(String text) {
      String out = text;
      for (BrokeredSecret s : released) {
        out = s.scrub(out);
      }
      return out;
    }

    /** The secrets released so far: for guards that look for them in what comes back. */
    List<BrokeredSecret> released() {
      return List.copyOf(released);
    }

    /** How many times a secret was released (once per hop that carried it). */
    public int releases() {
      return released.size();
    }
  }
}
