package dev.agentwarden.core.crypto.bench;

import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.crypto.TenantCipher;
import dev.agentwarden.core.crypto.TenantKeys;
import dev.agentwarden.core.crypto.WrappedKeyset;
import dev.agentwarden.core.id.TenantId;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cryptographic cost of the vault per request: brokering a secret unwraps the tenant's
 * keyset with the KEK and decrypts one ciphertext (the database round trips come on top). Run
 * the way BENCHMARKS.md records.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class VaultCryptoBench {
  private final TenantId tenant = TenantId.random();
  private KeyEncryptionKey kek;
  private WrappedKeyset wrapped;
  private TenantCipher cipher;
  private byte[] ciphertext;
  private final SecretValue secret = SecretValue.of("sk-proj-" + "x".repeat(156));

  @Setup
  public void setUp() {
    kek = KeyEncryptionKey.local(KeyEncryptionKey.generateLocalMaterial());
    wrapped = TenantKeys.create(tenant, kek);
    cipher = TenantKeys.open(tenant, wrapped, kek);
    ciphertext = cipher.encrypt("11111111-1111-4111-8111-111111111111", secret);
  }

  /** Unwrap the keyset (KEK AES-GCM + Tink keyset parse) and build the AEAD primitive. */
  @Benchmark
  public TenantCipher openKeyset() {
    return TenantKeys.open(tenant, wrapped, kek);
  }

  @Benchmark
  public SecretValue decryptSecret() {
    return cipher.decrypt("11111111-1111-4111-8111-111111111111", ciphertext);
  }

  @Benchmark
  public byte[] encryptSecret() {
    return cipher.encrypt("11111111-1111-4111-8111-111111111111", secret);
  }

  /** What one brokered request costs in cryptography: open the keyset, decrypt the secret. */
  @Benchmark
  public SecretValue brokerCryptoPath() {
    return TenantKeys.open(tenant, wrapped, kek).decrypt("11111111-1111-4111-8111-111111111111", ciphertext);
  }

  /** KEK rotation per tenant: unwrap with the old KEK, wrap with the new one. */
  @Benchmark
  public WrappedKeyset rewrapKeyset() {
    return TenantKeys.rewrap(tenant, wrapped, kek, kek);
  }
}
