package dev.agentwarden.core.scan;

import dev.agentwarden.core.scan.injection.InjectionAssessment;
import dev.agentwarden.core.scan.injection.InjectionPolicy;
import dev.agentwarden.core.scan.injection.InjectionScanner;
import dev.agentwarden.core.scan.injection.Verdict;
import dev.agentwarden.core.scan.secrets.SecretScanner;
import dev.agentwarden.core.scan.unicode.UnicodeScanner;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The one entry point for content scanning: runs the requested scanners over a text and
 * decides what to do with it given its source. Immutable and thread-safe.
 */
public final class ContentScanner {
  private final SecretScanner secrets;
  private final InjectionPolicy policy;

  private ContentScanner(SecretScanner secrets, InjectionPolicy policy) {
    this.secrets = secrets;
    this.policy = policy;
  }

  /** All bundled secret rules and the standard injection policy. */
  public static ContentScanner standard() {
    return new ContentScanner(SecretScanner.standard(), InjectionPolicy.standard());
  }

  /** The same scanner with another injection policy (one per agent). */
  public ContentScanner withPolicy(InjectionPolicy policy) {
    return new ContentScanner(secrets, Objects.requireNonNull(policy, "policy"));
  }

  /**
   * The result of scanning {@code text}.
   *
   * @param findings every finding of the requested kinds, by position
   * @param injection the injection assessment, when injection was requested
   * @param verdict what to do with the text, when injection was requested
   */
  public record Result(
      List<Finding> findings, Optional<InjectionAssessment> injection, Optional<Verdict> verdict) {
    public Result {
      findings = List.copyOf(findings);
      Objects.requireNonNull(injection, "injection");
      Objects.requireNonNull(verdict, "verdict");
    }

    /** Whether anything was found: a finding, or an injection score at or above the threshold. */
    public boolean flagged() {
      return !findings.isEmpty() || injection.map(InjectionAssessment::flagged).orElse(false);
    }

    public List<Finding> findings(ScanKind kind) {
      return findings.stream().filter(f -> f.kind() == kind).toList();
    }
  }

  public Result scan(String text, Set<ScanKind> kinds, ContentSource source) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(source, "source");
    Set<ScanKind> k = kinds.isEmpty() ? EnumSet.allOf(ScanKind.class) : EnumSet.copyOf(kinds);
    List<Finding> findings = new ArrayList<>();
    if (k.contains(ScanKind.SECRETS)) {
      findings.addAll(secrets.scan(text));
    }
    if (k.contains(ScanKind.UNICODE)) {
      findings.addAll(UnicodeScanner.scan(text));
    }
    Optional<InjectionAssessment> injection = Optional.empty();
    Optional<Verdict> verdict = Optional.empty();
    if (k.contains(ScanKind.INJECTION)) {
      InjectionAssessment a = InjectionScanner.assess(text);
      injection = Optional.of(a);
      verdict = Optional.of(policy.decide(a, source));
    }
    findings.sort(Comparator.comparingInt(Finding::start).thenComparingInt(Finding::end));
    return new Result(findings, injection, verdict);
  }

  /** {@code text} with every secret redacted, structure kept (idempotent). */
  public String redactSecrets(String text) {
    return secrets.redact(text);
  }

  /** The number of secret rules, for reports. */
  public int secretRuleCount() {
    return secrets.ruleIds().size();
  }
}
