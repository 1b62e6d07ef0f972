package dev.agentwarden.core.scan.bench;

import dev.agentwarden.core.scan.Finding;
import dev.agentwarden.core.scan.secrets.SecretScanner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Secret-scan throughput over a mixed source tree (Java, XML, Markdown, properties, shell...)
 * read into memory once: {@code -Dbench.tree=DIR} (default: the repository root). One
 * invocation scans every file once; MB/s = tree size / time per invocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SecretScanBench {
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
  private List<String> files;
  private long chars;

  @Setup(Level.Trial)
  public void load() {
    Path root = Path.of(System.getProperty("bench.tree", ".."));
    files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        String s = p.toString();
        if (s.contains("/target/") || s.contains("/.git/") || s.contains("node_modules") || Files.size(p) > 2_000_000) {
          continue;
        }
        byte[] bytes = Files.readAllBytes(p);
        if (bytes.length == 0 || isBinary(bytes)) {
          continue;
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        files.add(text);
        chars += text.length();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.printf("%nsecret bench tree: %d files, %.2f MB of text%n", files.size(), chars / 1e6);
  }

  private static boolean isBinary(byte[] b) {
    for (int i = 0; i < Math.min(b.length, 8192); i++) {
      if (b[i] == 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * CPU time of the benchmark thread per invocation, printed after each iteration: on a shared
   * machine wall time counts the time other processes hold the core, CPU time does not.
   */
  private long cpuNanos;
  private long invocations;

  @Setup(Level.Iteration)
  public void resetCpu() {
    cpuNanos = 0;
    invocations = 0;
  }

  @TearDown(Level.Iteration)
  public void printCpu() {
    double ms = cpuNanos / 1e6 / Math.max(1, invocations);
    System.out.printf("  [cpu %.2f ms/op = %.1f MB/s per core]", ms, chars / 1e3 / ms);
  }

  @Benchmark
  public int scanTree() {
    long t0 = CPU.getCurrentThreadCpuTime();
    int n = 0;
    SecretScanner scanner = SecretScanner.standard();
    for (String f : files) {
      List<Finding> findings = scanner.scan(f);
      n += findings.size();
    }
    cpuNanos += CPU.getCurrentThreadCpuTime() - t0;
    invocations++;
    return n;
  }
}
