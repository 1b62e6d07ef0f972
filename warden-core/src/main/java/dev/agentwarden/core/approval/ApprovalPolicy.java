package dev.agentwarden.core.approval;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which tool calls of one agent need approval. Each rule names a tool ({@code server/tool}, a
 * prefix ending in {@code *}, or {@code *}), optionally regular expressions that string
 * arguments must match for the rule to apply, and the approvers and expiry it requires. When
 * several rules match, the strictest wins (most approvers, then the shortest expiry), so the
 * order of rules never matters. A call no rule matches needs no approval.
 *
 * <p>Written as JSON: {@code [{"tool": "bank/transfer", "approvers": 2, "expiry_seconds": 900,
 * "arguments": {"to": "^ext-.*"}}]}. Immutable and thread-safe.
 */
public final class ApprovalPolicy {
  private static final Set<String> FIELDS = Set.of("tool", "approvers", "expiry_seconds", "arguments");
  private static final ApprovalPolicy NONE = new ApprovalPolicy(List.of());

  private record Rule(String tool, Map<String, Pattern> arguments, ApprovalRule rule) {
    boolean matches(String name, JsonNode args) {
      boolean toolMatches = tool.endsWith("*") ? name.startsWith(tool.substring(0, tool.length() - 1))
          : tool.equals(name) || (isContentKind(tool) && name.startsWith(tool + "/"));
      if (!toolMatches) {
        return false;
      }
      for (Map.Entry<String, Pattern> a : arguments.entrySet()) {
        JsonNode v = args.get(a.getKey());
        String text = v == null ? "" : v.isTextual() ? v.textValue() : v.toString();
        if (!a.getValue().matcher(text).find()) {
          return false;
        }
      }
      return true;
    }
  }

  private final List<Rule> rules;

  /**
   * {@code server/@prompts} and {@code server/@resources} name all of a server's prompts or
   * resources: such a rule also applies to {@code server/@prompts/<name>}.
   */
  private static boolean isContentKind(String tool) {
    return tool.endsWith("/@prompts") || tool.endsWith("/@resources");
  }

  private ApprovalPolicy(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  public static ApprovalPolicy none() {
    return NONE;
  }

  /** Parses the JSON form; every mistake is refused with the rule's index and what is wrong. */
  public static ApprovalPolicy parse(JsonNode rules) {
    if (rules == null || !rules.isArray()) {
      throw invalid("approvals must be a JSON array of rules");
    }
    if (rules.size() > 100) {
      throw invalid("approvals may hold at most 100 rules");
    }
    List<Rule> out = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      JsonNode r = rules.get(i);
      String at = "approvals[" + i + "]";
      if (!r.isObject()) {
        throw invalid(at + " must be an object");
      }
      for (String f : (Iterable<String>) r::fieldNames) {
        if (!FIELDS.contains(f)) {
          throw invalid(at + " has unknown field '" + f + "'; allowed: tool, approvers, expiry_seconds, arguments");
        }
      }
      JsonNode tool = r.get("tool");
      if (tool == null || !tool.isTextual() || !tool.textValue().matches("\\*|[A-Za-z0-9_][A-Za-z0-9_.:/@-]*\\*?")) {
        throw invalid(at + ".tool must be server/tool, server/@prompts[/name], server/@resources, a prefix ending in '*', or '*'");
      }
      JsonNode approvers = r.get("approvers");
      if (approvers == null || !approvers.canConvertToExactIntegral() || !approvers.canConvertToInt()) {
        throw invalid(at + ".approvers must be an integer");
      }
      JsonNode expiry = r.get("expiry_seconds");
      long seconds = 900;
      if (expiry != null) {
        if (!expiry.canConvertToExactIntegral() || !expiry.canConvertToLong()) {
          throw invalid(at + ".expiry_seconds must be an integer");
        }
        seconds = expiry.longValue();
      }
      Map<String, Pattern> arguments = new LinkedHashMap<>();
      JsonNode args = r.get("arguments");
      if (args != null) {
        if (!args.isObject()) {
          throw invalid(at + ".arguments must map argument names to regular expressions");
        }
        for (Map.Entry<String, JsonNode> a : args.properties()) {
          if (!a.getValue().isTextual()) {
            throw invalid(at + ".arguments." + a.getKey() + " must be a regular expression");
          }
          try {
            arguments.put(a.getKey(), Pattern.compile(a.getValue().textValue()));
          } catch (PatternSyntaxException e) {
            throw invalid(at + ".arguments." + a.getKey() + " is not a valid regular expression: " + e.getDescription());
          }
        }
      }
      ApprovalRule rule;
      try {
        rule = new ApprovalRule(approvers.intValue(), Duration.ofSeconds(seconds));
      } catch (ApprovalException e) {
        throw invalid(at + ": " + e.getMessage());
      }
      out.add(new Rule(tool.textValue(), arguments, rule));
    }
    return new ApprovalPolicy(out);
  }

  /** The rule a call of {@code tool} with {@code arguments} falls under; empty when it needs none. */
  public Optional<ApprovalRule> ruleFor(String tool, JsonNode arguments) {
    return matchFor(tool, arguments).map(Match::rule);
  }

  /**
   * The written rule that decided a call: its position in the agent's list ({@code index}, from
   * 0), what it names, and what it requires. Shown to approvers as the reason a request was opened.
   */
  public record Match(int index, String tool, Map<String, String> arguments, ApprovalRule rule) {
    public Match {
      arguments = Map.copyOf(arguments);
    }

    /** One line for humans, e.g. {@code approval rule #1 (tool bank/*, arguments {to=^ext-}): 2 approvers, expiry 900 s}. */
    public String description() {
      return "approval rule #" + index + " (tool " + tool + (arguments.isEmpty() ? "" : ", arguments " + new java.util.TreeMap<>(arguments))
          + "): " + rule.approvers() + " approver(s), expiry " + rule.expiry().toSeconds() + " s";
    }
  }

  /**
   * As {@link #ruleFor}, naming the rule: the strictest match (most approvers, then the shortest
   * expiry, then the first written), so the same call always names the same rule.
   */
  public Optional<Match> matchFor(String tool, JsonNode arguments) {
    Match strictest = null;
    for (int i = 0; i < rules.size(); i++) {
      Rule r = rules.get(i);
      if (!r.matches(tool, arguments) || !r.rule().required()) {
        continue;
      }
      if (strictest == null
          || r.rule().approvers() > strictest.rule().approvers()
          || (r.rule().approvers() == strictest.rule().approvers()
              && r.rule().expiry().compareTo(strictest.rule().expiry()) < 0)) {
        Map<String, String> args = new LinkedHashMap<>();
        r.arguments().forEach((k, v) -> args.put(k, v.pattern()));
        strictest = new Match(i, r.tool(), args, r.rule());
      }
    }
    return Optional.ofNullable(strictest);
  }

  private static ApprovalException invalid(String message) {
    return new ApprovalException("invalid_approval_rule", message);
  }
}
