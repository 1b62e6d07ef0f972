package dev.agentwarden.core.model;

import dev.agentwarden.core.scan.ContentScanner;
import dev.agentwarden.core.scan.ContentSource;
import dev.agentwarden.core.scan.Finding;
import dev.agentwarden.core.scan.ScanKind;
import dev.agentwarden.core.scan.secrets.SecretScanner;
import dev.agentwarden.core.vault.BrokeredSecret;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The output guards of the model proxy. */
public final class OutputGuards {
  /** Longest credential the secret rules are relied on to catch within a stream. */
  static final int SECRET_WINDOW = 256;
  /** Longest provider key the key guard catches before any of it is sent. */
  static final int KEY_WINDOW = 512;

  private OutputGuards() {}

  /** Redacts credentials the secret scanner finds (sliding window of {@value #SECRET_WINDOW} chars). */
  public static OutputGuard secretRedaction(ContentScanner scanner) {
    return new OutputGuard() {
      @Override
      public String name() {
        return "secret_redaction";
      }

      @Override
      public StreamHandling streamHandling() {
        return StreamHandling.SLIDING_WINDOW;
      }

      @Override
      public int window() {
        return SECRET_WINDOW;
      }

      @Override
      public Outcome examine(String text, int from) {
        List<Rewrite> rewrites = new ArrayList<>();
        for (Finding f : scanner.scan(text, Set.of(ScanKind.SECRETS), ContentSource.TOOL_OUTPUT).findings()) {
          if (f.end() <= from) {
            continue;
          }
          String redacted = SecretScanner.redact(text.substring(f.start(), f.end()),
              List.of(new Finding(f.kind(), f.ruleId(), 0, f.length(), f.confidence(), f.description())));
          rewrites.add(new Rewrite(f.start(), f.end(), redacted, f.ruleId()));
        }
        return new Outcome.Pass(rewrites);
      }
    };
  }

  /**
   * Blocks an answer that contains the provider key brokered for this very call (an upstream
   * echoing it back), before any of the key is sent: it may never reach the agent.
   */
  public static OutputGuard brokeredKey(BrokeredSecret key) {
    return new OutputGuard() {
      @Override
      public String name() {
        return "provider_key";
      }

      @Override
      public StreamHandling streamHandling() {
        return StreamHandling.SLIDING_WINDOW;
      }

      @Override
      public int window() {
        return KEY_WINDOW;
      }

      @Override
      public Outcome examine(String text, int from) {
        return key.occursIn(text)
            ? new Outcome.Block("provider_key_in_answer", "the upstream answer contained the provider key; it was withheld")
            : new Outcome.Pass(List.of());
      }
    };
  }
}
