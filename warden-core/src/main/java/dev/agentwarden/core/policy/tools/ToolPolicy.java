package dev.agentwarden.core.policy.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.PolicyException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which MCP tools an agent may call, and with which arguments. Default deny. A rule names a tool
 * exactly ({@code github.search_issues}) or by prefix ({@code github.*}), optionally the agents it
 * applies to, constraints per argument, required arguments, and whether arguments it does not
 * name are accepted (not by default). A call is allowed when any rule for the tool accepts it,
 * so the order of rules does not change the verdict.
 *
 * <p>Immutable and thread-safe; {@link #check} never throws.
 */
public final class ToolPolicy {
  private static final Pattern TOOL = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:/@-]*(\\*)?");
  private static final ToolPolicy DENY_ALL = new ToolPolicy(List.of());

  /** One allow rule. */
  public static final class Rule {
    private final String tool;
    private final Set<String> agents;
    private final Map<String, ArgumentConstraint> arguments;
    private final Set<String> required;
    private final boolean additionalArguments;
    private String id = "";

    private Rule(RuleBuilder b) {
      this.tool = b.tool;
      this.agents = Set.copyOf(b.agents);
      this.arguments = Map.copyOf(b.arguments);
      this.required = Set.copyOf(b.required);
      this.additionalArguments = b.additionalArguments;
    }

    boolean appliesTo(String agent, String toolName) {
      // server/@prompts (or @resources) also names each prompt: server/@prompts/<name>.
      boolean toolMatches = tool.endsWith("*") ? toolName.startsWith(tool.substring(0, tool.length() - 1))
          : tool.equals(toolName) || ((tool.endsWith("/@prompts") || tool.endsWith("/@resources"))
              && toolName.startsWith(tool + "/"));
      return toolMatches && (agents.isEmpty() || agents.contains(agent));
    }

    Optional<String> violation(JsonNode args) {
      for (String r : required) {
        if (!args.has(r)) {
          return Optional.of("argument '" + r + "' is required");
        }
      }
      for (Map.Entry<String, JsonNode> field : args.properties()) {
        ArgumentConstraint constraint = arguments.get(field.getKey());
        if (constraint == null) {
          if (!additionalArguments) {
            return Optional.of("argument '" + field.getKey() + "' is not allowed");
          }
          continue;
        }
        Optional<String> v = constraint.violation(field.getKey(), field.getValue());
        if (v.isPresent()) {
          return v;
        }
      }
      return Optional.empty();
    }
  }

  private final List<Rule> rules;

  private ToolPolicy(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  public static ToolPolicy denyAll() {
    return DENY_ALL;
  }

  public static Builder builder() {
    return new Builder();
  }

  public static RuleBuilder rule(String tool) {
    return new RuleBuilder(tool);
  }

  /** Decides a call of {@code tool} by {@code agent} with {@code arguments} (a JSON object); never throws. */
  public Decision check(String agent, String tool, JsonNode arguments) {
    try {
      if (arguments == null || !arguments.isObject()) {
        return Decision.deny("tools.invalid_arguments", "tool arguments must be a JSON object");
      }
      Optional<Decision> firstViolation = Optional.empty();
      for (Rule rule : rules) {
        if (!rule.appliesTo(agent, tool)) {
          continue;
        }
        Optional<String> violation = rule.violation(arguments);
        if (violation.isEmpty()) {
          return Decision.allow(rule.id, "tool '" + tool + "' is allowed by " + rule.id);
        }
        if (firstViolation.isEmpty()) {
          firstViolation = Optional.of(Decision.deny(rule.id + ".arguments", tool + ": " + violation.get()));
        }
      }
      return firstViolation.orElseGet(
          () -> Decision.deny("tools.default_deny", "tool '" + tool + "' is not allowed for agent '" + agent + "'"));
    } catch (RuntimeException e) {
      return Decision.deny("tools.internal_error", "the tool policy could not decide, so it denies");
    }
  }

  /** Builds a {@link ToolPolicy}. */
  public static final class Builder {
    private final List<Rule> rules = new ArrayList<>();
    private final Set<String> ids = new LinkedHashSet<>();

    private Builder() {}

    /** Adds a rule; its id is {@code id} or {@code tools.allow[<index>]}. */
    public Builder allow(Rule rule, Optional<String> id) {
      String ruleId = id.orElse("tools.allow[" + rules.size() + "]");
      if (!ids.add(ruleId)) {
        throw new PolicyException("tools rule id '" + ruleId + "' is used twice");
      }
      rule.id = ruleId;
      rules.add(rule);
      return this;
    }

    public ToolPolicy build() {
      return new ToolPolicy(rules);
    }
  }

  /** Builds one {@link Rule}. */
  public static final class RuleBuilder {
    private final String tool;
    private final Set<String> agents = new LinkedHashSet<>();
    private final Map<String, ArgumentConstraint> arguments = new LinkedHashMap<>();
    private final Set<String> required = new LinkedHashSet<>();
    private boolean additionalArguments;

    private RuleBuilder(String tool) {
      if (tool == null || !TOOL.matcher(tool).matches()) {
        throw new PolicyException("tool '" + tool + "' must be a tool name, or a prefix ending in '*'");
      }
      this.tool = tool;
    }

    public RuleBuilder agents(List<String> names) {
      for (String n : names) {
        if (n == null || n.isBlank()) {
          throw new PolicyException("agent names of tool '" + tool + "' must not be blank");
        }
        agents.add(n);
      }
      return this;
    }

    public RuleBuilder argument(String name, ArgumentConstraint constraint) {
      if (name == null || name.isEmpty()) {
        throw new PolicyException("argument names of tool '" + tool + "' must not be empty");
      }
      arguments.put(name, constraint);
      return this;
    }

    public RuleBuilder require(List<String> names) {
      required.addAll(names);
      return this;
    }

    public RuleBuilder additionalArguments(boolean allowed) {
      this.additionalArguments = allowed;
      return this;
    }

    public Rule build() {
      for (String r : required) {
        if (!arguments.containsKey(r) && !additionalArguments) {
          throw new PolicyException("required argument '" + r + "' of tool '" + tool + "' is not among its arguments");
        }
      }
      return new Rule(this);
    }
  }
}
