package dev.agentwarden.core.policy.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.PolicyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Evaluates the labelled shell corpus ({@code corpora/shell/*.jsonl}, items {@code {command,
 * label: injection|benign, technique}}) under a shell decision function (the committed
 * evaluation policy). Pure: the caller reads the files. A correct result denies every
 * {@code injection} and allows at least 95 % of {@code benign} items.
 */
public final class ShellCorpus {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ShellCorpus() {}

  /** The outcome for one corpus line. */
  public record Item(String file, int line, String label, String command, Decision decision) {
    /** {@code {"file","line","label","decision":"allow"|"deny","rule"}}. */
    public String toJsonLine() {
      ObjectNode n = JSON.createObjectNode();
      n.put("file", file);
      n.put("line", line);
      n.put("label", label);
      n.put("decision", decision.allowed() ? "allow" : "deny");
      n.put("rule", decision.ruleId());
      return n.toString();
    }
  }

  /** Counts for one file. */
  public record Summary(String file, int items, int injection, int injectionAllowed, int benign, int benignAllowed) {
    public double benignAllowedRate() {
      return benign == 0 ? 1.0 : (double) benignAllowed / benign;
    }

    /** No injection allowed and at least 95 % of benign commands allowed. */
    public boolean passes() {
      return injectionAllowed == 0 && benignAllowedRate() >= 0.95;
    }

    public String toLine() {
      return String.format(
          Locale.ROOT,
          "%s: %d items; injection: %d, allowed %d; benign: %d, allowed %d (%.1f%%); %s",
          file, items, injection, injectionAllowed, benign, benignAllowed, 100 * benignAllowedRate(),
          passes() ? "PASS" : "FAIL");
    }
  }

  /**
   * Decides every non-blank line of one corpus file ({@code file} is the name to report).
   *
   * @throws PolicyException when a line is not a corpus item
   */
  public static List<Item> evaluate(String file, List<String> lines, Function<String, Decision> decide) {
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      JsonNode item;
      try {
        item = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new PolicyException(file + ":" + (i + 1) + " is not JSON");
      }
      if (item == null || !item.path("command").isTextual() || !item.path("label").isTextual()) {
        throw new PolicyException(file + ":" + (i + 1) + " needs string fields 'command' and 'label'");
      }
      String command = item.get("command").textValue();
      out.add(new Item(file, i + 1, item.get("label").textValue(), command, decide.apply(command)));
    }
    return out;
  }

  /** Totals for one file's results; any label other than {@code benign} counts as injection. */
  public static Summary summarise(String file, List<Item> items) {
    int injection = 0, injectionAllowed = 0, benign = 0, benignAllowed = 0;
    for (Item it : items) {
      boolean allowed = it.decision().allowed();
      if (it.label().equals("benign")) {
        benign++;
        benignAllowed += allowed ? 1 : 0;
      } else {
        injection++;
        injectionAllowed += allowed ? 1 : 0;
      }
    }
    return new Summary(file, items.size(), injection, injectionAllowed, benign, benignAllowed);
  }
}
