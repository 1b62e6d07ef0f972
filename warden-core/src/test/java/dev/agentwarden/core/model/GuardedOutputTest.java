package dev.agentwarden.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.scan.ContentScanner;
import dev.agentwarden.core.vault.BrokeredSecret;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuardedOutputTest {
  static final String SECRET = "ghp_" + "R7aK2mQ9xT4vB8nL1pZ6cW3yH5jD0sF2gE9u";
  static final OutputGuard SECRETS = OutputGuards.secretRedaction(ContentScanner.standard());

  private static String stream(GuardedOutput g, List<String> chunks, StringBuilder out) {
    for (String c : chunks) {
      GuardedOutput.Result r = g.push(c);
      if (r instanceof GuardedOutput.Result.Blocked b) {
        return b.code();
      }
      out.append(((GuardedOutput.Result.Deliver) r).text());
    }
    GuardedOutput.Result r = g.finish();
    if (r instanceof GuardedOutput.Result.Blocked b) {
      return b.code();
    }
    out.append(((GuardedOutput.Result.Deliver) r).text());
    return "done";
  }

  @Test
  void secretSplitAcrossChunks_isRedactedBeforeAnyPartIsSent() {
    String text = "Here is the token you asked for: " + SECRET + " and some more words after it. ".repeat(20);
    for (int size : new int[] {1, 3, 7, 20, 500}) {
      List<String> chunks = new java.util.ArrayList<>();
      for (int i = 0; i < text.length(); i += size) {
        chunks.add(text.substring(i, Math.min(text.length(), i + size)));
      }
      StringBuilder out = new StringBuilder();
      assertThat(stream(GuardedOutput.of(List.of(SECRETS)), chunks, out)).isEqualTo("done");
      assertThat(out.toString()).doesNotContain(SECRET.substring(4, 20)).contains("REDACTED")
          .startsWith("Here is the token you asked for: ").endsWith("words after it. ");
    }
  }

  @Test
  void wholeAnswer_redactsTheSameWay() {
    GuardedOutput.Result r = GuardedOutput.of(List.of(SECRETS)).whole("token " + SECRET + " end");
    assertThat(((GuardedOutput.Result.Deliver) r).text()).doesNotContain(SECRET).contains("REDACTED").endsWith(" end");
  }

  @Test
  void textWithoutSecrets_passesUnchanged_andHoldsOnlyTheWindow() {
    GuardedOutput g = GuardedOutput.of(List.of(SECRETS));
    String text = "plain words ".repeat(100);
    GuardedOutput.Result first = g.push(text);
    assertThat(((GuardedOutput.Result.Deliver) first).text()).hasSize(text.length() - g.window());
    assertThat(((GuardedOutput.Result.Deliver) g.finish()).text()).hasSize(g.window());
  }

  @Test
  void brokeredKeyEchoedInPieces_blocksTheStreamBeforeAnyOfItIsSent() {
    String key = "sk-upstream-" + "q".repeat(40);
    BrokeredSecret brokered = BrokeredSecret.of(new SecretRef("provider.p"), Injection.BEARER, SecretValue.of(key));
    StringBuilder out = new StringBuilder();
    String code = stream(GuardedOutput.of(List.of(SECRETS, OutputGuards.brokeredKey(brokered))),
        List.of("x".repeat(600), "your key is sk-ups", "tream-" + "q".repeat(20), "q".repeat(20), " bye" + "y".repeat(600)), out);
    assertThat(code).isEqualTo("provider_key_in_answer");
    assertThat(out.toString()).doesNotContain("sk-ups");
  }

  @Test
  void matchLongerThanTheWindow_thatStartedInSentText_blocksInsteadOfLeaking() {
    OutputGuard longRule = new OutputGuard() {
      public String name() {
        return "long";
      }

      public StreamHandling streamHandling() {
        return StreamHandling.SLIDING_WINDOW;
      }

      public int window() {
        return 4;
      }

      public Outcome examine(String text, int from) {
        int i = text.indexOf("BEGIN");
        int j = text.indexOf("END", Math.max(0, i));
        return i >= 0 && j > i ? new Outcome.Pass(List.of(new Rewrite(i, j + 3, "[X]", "long"))) : new Outcome.Pass(List.of());
      }
    };
    StringBuilder out = new StringBuilder();
    assertThat(stream(GuardedOutput.of(List.of(longRule)), List.of("aaaaBEGIN-", "secretsecret", "-END"), out))
        .isEqualTo("output_blocked");
  }

  @Test
  void atEndGuard_blocksAtTheEnd() {
    OutputGuard atEnd = new OutputGuard() {
      public String name() {
        return "json";
      }

      public StreamHandling streamHandling() {
        return StreamHandling.AT_END;
      }

      public int window() {
        return 0;
      }

      public Outcome examine(String text, int from) {
        return text.contains("forbidden") ? new Outcome.Block("policy", "no") : new Outcome.Pass(List.of());
      }
    };
    StringBuilder out = new StringBuilder();
    assertThat(stream(GuardedOutput.of(List.of(atEnd)), List.of("this is forb", "idden"), out)).isEqualTo("policy");
  }

  @Test
  void promptPin_refusesMissingChangedOrExtraSystemPrompts() {
    PromptPin pin = PromptPin.of(java.util.Optional.of(PromptPin.hash("You are a helpful bot.")));
    pin.check(List.of("You are a helpful bot."));
    for (List<String> bad : List.of(List.<String>of(), List.of("You are a helpful bot. "),
        List.of("You are a helpful bot.", "You are a helpful bot."))) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> pin.check(bad))
          .isInstanceOf(ModelCallException.class).hasMessageContaining("system");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PromptPin.of(java.util.Optional.empty()).check(List.of("x")))
        .isInstanceOf(ModelCallException.class);
  }

  @Test
  void priceTable_neverPricesAnUnknownModelAtZero() {
    PriceTable t = PriceTable.standard();
    assertThat(t.costMicros("gpt-4o-mini", 1_000_000, 1_000_000)).isEqualTo(750_000);
    assertThat(t.costMicros("some-new-model", 1, 0)).isPositive();
  }
}
