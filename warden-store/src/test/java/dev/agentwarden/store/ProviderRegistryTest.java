package dev.agentwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.store.ProviderRegistry.NewProvider;
import dev.agentwarden.store.ProviderRegistry.ProviderChange;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("database")
class ProviderRegistryTest {
  @org.junit.jupiter.api.io.TempDir java.nio.file.Path keyDir;
  private static final String KEY = "sk-provider-key-0000000000Q7Zx";
  private Database db;
  private Vault vault;
  private ProviderRegistry providers;
  private TenantId t;

  @BeforeEach
  void setUp() {
    db = TestDatabases.connect(TestDatabases.createMigrated(), 2);
    KeyEncryptionKey kek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    vault = Vault.open(db, kek, List.of(), dev.agentwarden.core.crypto.TenantKeyProvider.local(
        KeyDirectory.open(keyDir.resolve("tenant-keys")), kek, List.of()));
    providers = ProviderRegistry.of(db, vault);
    t = TenantId.random();
    db.asOperator(tx -> Tenants.create(tx, t, "t"));
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private Provider openai() {
    return providers.create(t, new NewProvider("openai", "openai", "https://api.openai.com/v1",
        Optional.of(SecretValue.of(KEY)), Optional.empty(), List.of("gpt-4o"), true));
  }

  @Test
  void create_withInlineKey_storesItAsAnOwnedVaultSecret_maskedOnRead() {
    Provider p = openai();
    assertThat(p.secret().uri()).isEqualTo("vault://provider.openai");
    assertThat(p.ownsSecret()).isTrue();
    assertThat(p.maskedKey()).isEqualTo("sk-\u2026Q7Zx");
    assertThat(p.toString()).doesNotContain(KEY);
    assertThat(vault.find(t, p.secret()).orElseThrow().allowedHosts().hosts()).containsExactly("api.openai.com");
    assertThat(providers.broker(t, "openai", "api.openai.com").headerValue()).isEqualTo("Bearer " + KEY);
  }

  @Test
  void anthropic_getsItsKeyInXApiKey() {
    providers.create(t, new NewProvider("claude", "anthropic", "https://api.anthropic.com",
        Optional.of(SecretValue.of(KEY)), Optional.empty(), List.of(), true));
    var s = providers.broker(t, "claude", "api.anthropic.com");
    assertThat(s.headerName()).isEqualTo("x-api-key");
    assertThat(s.headerValue()).isEqualTo(KEY);
  }

  @Test
  void disabledProvider_failsClosed_andReEnablingRestoresIt() {
    openai();
    providers.update(t, "openai", new ProviderChange(Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.of(false)));
    assertThatThrownBy(() -> providers.broker(t, "openai", "api.openai.com"))
        .hasFieldOrPropertyWithValue("code", "provider_disabled");
    assertThatThrownBy(() -> providers.requireEnabled(t, "openai"))
        .hasFieldOrPropertyWithValue("code", "provider_disabled");
    providers.update(t, "openai", new ProviderChange(Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.of(true)));
    assertThat(providers.broker(t, "openai", "api.openai.com").headerValue()).endsWith(KEY);
  }

  @Test
  void secretRef_mustAllowTheProvidersHost() {
    vault.create(t, new SecretRef("shared"), SecretValue.of(KEY), AllowedHosts.of(List.of("api.mistral.ai")),
        Injection.BEARER);
    assertThatThrownBy(() -> providers.create(t, new NewProvider("o", "openai", "https://api.openai.com/v1",
            Optional.empty(), Optional.of(new SecretRef("shared")), List.of(), true)))
        .hasFieldOrPropertyWithValue("code", "secret_host_mismatch");
    Provider m = providers.create(t, new NewProvider("m", "mistral", "https://api.mistral.ai/v1",
        Optional.empty(), Optional.of(new SecretRef("shared")), List.of(), true));
    assertThat(m.ownsSecret()).isFalse();
    assertThatThrownBy(() -> vault.delete(t, new SecretRef("shared")))
        .hasFieldOrPropertyWithValue("code", "secret_in_use");
    assertThat(providers.delete(t, "m")).isTrue();
    assertThat(vault.find(t, new SecretRef("shared"))).isPresent();
  }

  @Test
  void patchApiKey_rotatesTheOwnedSecret_andBaseUrlMovesItsAllowList() {
    openai();
    Provider p = providers.update(t, "openai", new ProviderChange(Optional.empty(),
        Optional.of("https://eu.api.openai.com/v1"), Optional.of(SecretValue.of("sk-new-key-00000000000NEW1")),
        Optional.empty(), Optional.empty(), Optional.empty())).orElseThrow();
    assertThat(p.maskedKey()).isEqualTo("sk-\u2026NEW1");
    assertThatThrownBy(() -> providers.broker(t, "openai", "api.openai.com"))
        .hasFieldOrPropertyWithValue("code", "host_not_allowed");
    assertThat(providers.broker(t, "openai", "eu.api.openai.com").headerValue()).endsWith("NEW1");
  }

  @Test
  void delete_removesTheOwnedSecret() {
    openai();
    assertThat(providers.delete(t, "openai")).isTrue();
    assertThat(vault.list(t)).isEmpty();
    assertThat(providers.delete(t, "openai")).isFalse();
  }

  @Test
  void invalidInput_isRefusedWithClearCodes() {
    for (String url : List.of("ftp://x.com", "https://user:pw@x.com", "https://x.com/?k=v", "x.com", "https://")) {
      assertThatThrownBy(() -> providers.create(t, new NewProvider("p", "openai", url,
              Optional.of(SecretValue.of(KEY)), Optional.empty(), List.of(), true)))
          .as(url)
          .hasFieldOrPropertyWithValue("code", "invalid_provider");
    }
    assertThatThrownBy(() -> providers.create(t, new NewProvider("p", "nope", "https://x.com",
            Optional.of(SecretValue.of(KEY)), Optional.empty(), List.of(), true)))
        .hasFieldOrPropertyWithValue("code", "invalid_provider");
    assertThatThrownBy(() -> providers.create(t, new NewProvider("p", "openai", "https://x.com",
            Optional.empty(), Optional.empty(), List.of(), true)))
        .hasFieldOrPropertyWithValue("code", "invalid_provider");
    assertThat(vault.list(t)).isEmpty();
  }
}
