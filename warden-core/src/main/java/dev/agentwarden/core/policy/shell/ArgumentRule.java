package dev.agentwarden.core.policy.shell;

import dev.agentwarden.core.policy.PolicyException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What arguments one program (or one subcommand of it) accepts: an optional allowlist of options,
 * an optional allowlist of positional arguments, and options that must be present.
 *
 * <p>Option specs are written as a policy author reads them in a man page: {@code -v} (a flag, also
 * inside clusters such as {@code -tzv}), {@code -f VALUE} (takes the next argument or an attached
 * value), {@code --file=VALUE} or {@code --file VALUE} (a long option with a value),
 * {@code --quiet} (a long flag, exact name only), {@code -name VALUE} (a single-dash long option,
 * as in {@code find}), and {@code -D*} (any argument starting with {@code -D}).
 */
public final class ArgumentRule {
  private static final Pattern SPEC =
      Pattern.compile("(--?[A-Za-z0-9][A-Za-z0-9._-]*)(\\*)?(?:(?:=| )(VALUE))?");

  record OptionSpec(String name, boolean takesValue, boolean prefix) {
    boolean isShort() {
      return name.length() == 2 && name.charAt(0) == '-' && name.charAt(1) != '-';
    }
  }

  /** A failed check: which rule and why. */
  record Violation(String ruleId, String reason) {}

  private final Optional<List<OptionSpec>> options;
  private final Optional<Set<String>> arguments;
  private final Set<String> required;

  private ArgumentRule(Builder b) {
    this.options = b.options.map(List::copyOf);
    this.arguments = b.arguments.map(Set::copyOf);
    this.required = Set.copyOf(b.required);
  }

  /** A rule that accepts any arguments (hazards are still checked by the policy). */
  public static ArgumentRule any() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Checks {@code args}; {@code oldStyleFirst} treats a dashless first argument as an option cluster (tar). */
  Optional<Violation> check(List<String> args, boolean oldStyleFirst) {
    Set<String> seen = new LinkedHashSet<>();
    boolean endOfOptions = false;
    int i = 0;
    if (oldStyleFirst && options.isPresent() && !args.isEmpty() && !args.getFirst().startsWith("-")) {
      String cluster = args.getFirst();
      int next = 1;
      for (int j = 0; j < cluster.length(); j++) {
        Optional<OptionSpec> spec = find("-" + cluster.charAt(j));
        if (spec.isEmpty()) {
          return Optional.of(optionNotAllowed("-" + cluster.charAt(j)));
        }
        seen.add(spec.get().name());
        if (spec.get().takesValue()) {
          if (next >= args.size()) {
            return Optional.of(missingValue(spec.get().name()));
          }
          next++;
        }
      }
      i = next;
    }
    for (; i < args.size(); i++) {
      String a = args.get(i);
      if (!endOfOptions && a.equals("--")) {
        endOfOptions = true;
        continue;
      }
      if (!endOfOptions && a.startsWith("-") && a.length() > 1) {
        if (options.isEmpty()) {
          continue;
        }
        int consumed = matchOption(args, i, seen);
        if (consumed < 0) {
          return Optional.of(
              consumed == -2 ? missingValue(a) : optionNotAllowed(a));
        }
        i += consumed;
        continue;
      }
      if (arguments.isPresent() && !arguments.get().contains(a)) {
        return Optional.of(
            new Violation("shell.argument.not_allowed", "argument '" + a + "' is not in the allowed list " + arguments.get()));
      }
    }
    for (String r : required) {
      if (!seen.contains(r)) {
        return Optional.of(new Violation("shell.argument.missing_required", "option " + r + " is required"));
      }
    }
    return Optional.empty();
  }

  /** Returns how many following arguments the option consumed, -1 when not allowed, -2 when its value is missing. */
  private int matchOption(List<String> args, int i, Set<String> seen) {
    String a = args.get(i);
    for (OptionSpec spec : options.orElseThrow()) {
      if (spec.prefix() && a.startsWith(spec.name())) {
        seen.add(spec.name());
        return 0;
      }
    }
    if (a.startsWith("--")) {
      int eq = a.indexOf('=');
      String name = eq < 0 ? a : a.substring(0, eq);
      Optional<OptionSpec> spec = find(name);
      if (spec.isEmpty() || (eq >= 0 && !spec.get().takesValue())) {
        return -1;
      }
      seen.add(name);
      if (spec.get().takesValue() && eq < 0) {
        return i + 1 < args.size() ? 1 : -2;
      }
      return 0;
    }
    Optional<OptionSpec> exact = find(a);
    if (exact.isPresent()) {
      seen.add(a);
      if (exact.get().takesValue()) {
        return i + 1 < args.size() ? 1 : -2;
      }
      return 0;
    }
    for (int j = 1; j < a.length(); j++) {
      Optional<OptionSpec> spec = find("-" + a.charAt(j)).filter(OptionSpec::isShort);
      if (spec.isEmpty()) {
        return -1;
      }
      seen.add(spec.get().name());
      if (spec.get().takesValue()) {
        if (j + 1 < a.length()) {
          return 0; // attached value: -fbuild.tgz
        }
        return i + 1 < args.size() ? 1 : -2;
      }
    }
    return 0;
  }

  private Optional<OptionSpec> find(String name) {
    for (OptionSpec spec : options.orElseThrow()) {
      if (!spec.prefix() && spec.name().equals(name)) {
        return Optional.of(spec);
      }
    }
    return Optional.empty();
  }

  private Violation optionNotAllowed(String option) {
    List<String> names = new ArrayList<>();
    options.orElseThrow().forEach(s -> names.add(s.name() + (s.prefix() ? "*" : "")));
    return new Violation("shell.argument.option_not_allowed", "option '" + option + "' is not in the allowed list " + names);
  }

  private static Violation missingValue(String option) {
    return new Violation("shell.argument.missing_value", "option " + option + " needs a value");
  }

  /** Builds an {@link ArgumentRule}; without {@link #allowOptions} every option is accepted. */
  public static final class Builder {
    private Optional<List<OptionSpec>> options = Optional.empty();
    private Optional<Set<String>> arguments = Optional.empty();
    private final Set<String> required = new LinkedHashSet<>();

    private Builder() {}

    /** Restricts options to these specs (see the class comment for their form). */
    public Builder allowOptions(List<String> specs) {
      List<OptionSpec> parsed = new ArrayList<>(options.orElse(List.of()));
      for (String spec : specs) {
        parsed.add(parseSpec(spec));
      }
      options = Optional.of(parsed);
      return this;
    }

    /** Restricts positional arguments to these exact values. */
    public Builder allowArguments(List<String> values) {
      Set<String> set = new LinkedHashSet<>(arguments.orElse(Set.of()));
      for (String v : values) {
        if (v == null || v.isEmpty()) {
          throw new PolicyException("allowed argument must not be empty");
        }
        set.add(v);
      }
      arguments = Optional.of(set);
      return this;
    }

    /** Requires each of these options (which must also be allowed) to be present. */
    public Builder requireOptions(List<String> names) {
      for (String name : names) {
        OptionSpec spec = parseSpec(name);
        if (options.isEmpty() || options.get().stream().noneMatch(s -> s.name().equals(spec.name()))) {
          throw new PolicyException("required option '" + name + "' must also be in options");
        }
        required.add(spec.name());
      }
      return this;
    }

    public ArgumentRule build() {
      return new ArgumentRule(this);
    }

    private static OptionSpec parseSpec(String spec) {
      var m = spec == null ? null : SPEC.matcher(spec.strip());
      if (m == null || !m.matches()) {
        throw new PolicyException(
            "option spec '" + spec + "' must look like -x, -x VALUE, --name, --name=VALUE, -name VALUE or -D*");
      }
      boolean prefix = m.group(2) != null;
      boolean value = m.group(3) != null;
      if (prefix && value) {
        throw new PolicyException("option spec '" + spec + "' cannot be both a prefix and take a VALUE");
      }
      return new OptionSpec(m.group(1), value, prefix);
    }
  }
}
