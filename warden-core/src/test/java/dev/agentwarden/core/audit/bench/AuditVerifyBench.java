package dev.agentwarden.core.audit.bench;

import dev.agentwarden.core.audit.AuditEvent;
import dev.agentwarden.core.audit.AuditFixture;
import dev.agentwarden.core.audit.AuditKeyring;
import dev.agentwarden.core.audit.AuditSigner;
import dev.agentwarden.core.audit.ExportVerifier;
import dev.agentwarden.core.audit.VerificationResult;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Offline verification of an export and sealing of events, reported per event (ops/s = events/s).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class AuditVerifyBench {
  static final int EVENTS = 10_000;

  private List<String> lines;
  private List<byte[]> lineBytes;
  private AuditKeyring trusted;
  private AuditSigner signer;

  @Setup
  public void setUp() {
    signer = AuditFixture.signer(7, AuditFixture.T0);
    List<AuditEvent> events = AuditFixture.chain(AuditFixture.TENANT, EVENTS, signer);
    lines = AuditFixture.export(AuditFixture.TENANT, events, List.of(signer.key()), signer);
    trusted = AuditKeyring.of(List.of(signer.key()));
    lineBytes = lines.stream().map(l -> l.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toList();
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public VerificationResult verifyEverySignature() {
    return verify(ExportVerifier.SignatureChecks.EVERY_EVENT);
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public VerificationResult verifySampledSignatures() {
    return verify(ExportVerifier.SignatureChecks.SAMPLED);
  }

  /** As {@code warden audit verify} feeds it: each line as UTF-8 bytes. */
  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public VerificationResult verifySampledSignaturesFromBytes() {
    ExportVerifier v = ExportVerifier.create(Optional.of(trusted), Optional.empty(), ExportVerifier.SignatureChecks.SAMPLED);
    for (byte[] line : lineBytes) {
      v.accept(line, 0, line.length);
    }
    return verified(v.finish());
  }

  private static VerificationResult verified(VerificationResult r) {
    if (!r.isVerified()) {
      throw new IllegalStateException(r.toString());
    }
    return r;
  }

  private VerificationResult verify(ExportVerifier.SignatureChecks checks) {
    ExportVerifier v = ExportVerifier.create(Optional.of(trusted), Optional.empty(), checks);
    for (String line : lines) {
      v.accept(line);
    }
    VerificationResult r = v.finish();
    if (!r.isVerified()) {
      throw new IllegalStateException(r.toString());
    }
    return r;
  }

  @Benchmark
  @OperationsPerInvocation(1_000)
  public List<AuditEvent> sealEvents() {
    return AuditFixture.chain(AuditFixture.TENANT, 1_000, signer);
  }
}
