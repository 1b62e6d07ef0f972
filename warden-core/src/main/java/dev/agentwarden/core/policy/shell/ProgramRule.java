package dev.agentwarden.core.policy.shell;

import dev.agentwarden.core.policy.PolicyException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One allowed program: its argument rule, optionally a set of allowed subcommands (the first
 * positional argument, as in {@code git status}) each with its own rule, and the hazards the
 * policy author explicitly accepts ({@code -delete}, {@code --output}, or {@code launcher} for a
 * program that runs other programs).
 */
public final class ProgramRule {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+-]*");

  private final String name;
  private final ArgumentRule arguments;
  private final Map<String, ArgumentRule> subcommands;
  private final Set<String> allowedHazards;

  private ProgramRule(Builder b) {
    this.name = b.name;
    this.arguments = b.arguments;
    this.subcommands = Map.copyOf(b.subcommands);
    this.allowedHazards = Set.copyOf(b.allowedHazards);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  ArgumentRule arguments() {
    return arguments;
  }

  Map<String, ArgumentRule> subcommands() {
    return subcommands;
  }

  Set<String> allowedHazards() {
    return allowedHazards;
  }

  /** Builds a {@link ProgramRule}. */
  public static final class Builder {
    private final String name;
    private ArgumentRule arguments = ArgumentRule.any();
    private final Map<String, ArgumentRule> subcommands = new LinkedHashMap<>();
    private final Set<String> allowedHazards = new LinkedHashSet<>();

    private Builder(String name) {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new PolicyException(
            "program name '" + name + "' must be a bare command name (letters, digits, . _ + -), not a path");
      }
      this.name = name;
    }

    /** The rule for the program's arguments (before the subcommand, when there are subcommands). */
    public Builder arguments(ArgumentRule rule) {
      this.arguments = rule;
      return this;
    }

    /** Allows a subcommand; once any is given, a subcommand is required and must be one of them. */
    public Builder subcommand(String subcommand, ArgumentRule rule) {
      if (subcommand == null || subcommand.isEmpty() || subcommand.startsWith("-")) {
        throw new PolicyException("subcommand '" + subcommand + "' of " + name + " must be a non-empty word not starting with '-'");
      }
      subcommands.put(subcommand, rule);
      return this;
    }

    /** Accepts hazards by their spelling ({@code -exec}, {@code --output}, {@code launcher}). */
    public Builder allowHazards(List<String> spellings) {
      for (String s : spellings) {
        if (s == null || s.isBlank()) {
          throw new PolicyException("allowed hazard of " + name + " must not be blank");
        }
        allowedHazards.add(s);
      }
      return this;
    }

    public ProgramRule build() {
      return new ProgramRule(this);
    }
  }
}
