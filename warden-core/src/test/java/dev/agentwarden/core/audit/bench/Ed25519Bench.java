package dev.agentwarden.core.audit.bench;

import dev.agentwarden.core.crypto.Ed25519;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ed25519 over a 32-byte message (an audit event hash): BouncyCastle's rfc8032 code, as wrapped
 * by {@link Ed25519}, against the JDK's SunEC {@code Ed25519} provider. Single-threaded.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Ed25519Bench {
  private final byte[] message = new byte[32];
  private Ed25519.SigningKey bcKey;
  private Ed25519.PublicKey bcPublic;
  private byte[] bcSignature;
  private KeyPair jdkPair;
  private Signature jdkSigner;
  private Signature jdkVerifier;
  private byte[] jdkSignature;

  @Setup
  public void setUp() throws Exception {
    SecureRandom random = new SecureRandom();
    random.nextBytes(message);
    bcKey = Ed25519.generate(random);
    bcPublic = Ed25519.PublicKey.of(bcKey.publicKey());
    bcSignature = bcKey.sign(message);
    jdkPair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    jdkSigner = Signature.getInstance("Ed25519");
    jdkVerifier = Signature.getInstance("Ed25519");
    jdkSigner.initSign(jdkPair.getPrivate());
    jdkSigner.update(message);
    jdkSignature = jdkSigner.sign();
  }

  @Benchmark
  public byte[] bouncyCastleSign() {
    return bcKey.sign(message);
  }

  @Benchmark
  public boolean bouncyCastleVerify() {
    return bcPublic.verify(message, bcSignature);
  }

  @Benchmark
  public byte[] jdkSign() throws Exception {
    jdkSigner.initSign(jdkPair.getPrivate());
    jdkSigner.update(message);
    return jdkSigner.sign();
  }

  @Benchmark
  public boolean jdkVerify() throws Exception {
    jdkVerifier.initVerify(jdkPair.getPublic());
    jdkVerifier.update(message);
    return jdkVerifier.verify(jdkSignature);
  }
}
