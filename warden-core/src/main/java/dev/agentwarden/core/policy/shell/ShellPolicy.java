package dev.agentwarden.core.policy.shell;

import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.PolicyException;
import dev.agentwarden.core.policy.shell.ShellSyntax.AndOr;
import dev.agentwarden.core.policy.shell.ShellSyntax.AnsiC;
import dev.agentwarden.core.policy.shell.ShellSyntax.BraceGroup;
import dev.agentwarden.core.policy.shell.ShellSyntax.Command;
import dev.agentwarden.core.policy.shell.ShellSyntax.CommandSubstitution;
import dev.agentwarden.core.policy.shell.ShellSyntax.Connective;
import dev.agentwarden.core.policy.shell.ShellSyntax.Expansion;
import dev.agentwarden.core.policy.shell.ShellSyntax.Item;
import dev.agentwarden.core.policy.shell.ShellSyntax.Literal;
import dev.agentwarden.core.policy.shell.ShellSyntax.Part;
import dev.agentwarden.core.policy.shell.ShellSyntax.Pattern;
import dev.agentwarden.core.policy.shell.ShellSyntax.Pipeline;
import dev.agentwarden.core.policy.shell.ShellSyntax.ProcessSubstitution;
import dev.agentwarden.core.policy.shell.ShellSyntax.Redirection;
import dev.agentwarden.core.policy.shell.ShellSyntax.Script;
import dev.agentwarden.core.policy.shell.ShellSyntax.Separator;
import dev.agentwarden.core.policy.shell.ShellSyntax.SimpleCommand;
import dev.agentwarden.core.policy.shell.ShellSyntax.Subshell;
import dev.agentwarden.core.policy.shell.ShellSyntax.Tilde;
import dev.agentwarden.core.policy.shell.ShellSyntax.Word;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a shell command line may run. Disabled by default; when enabled, every simple
 * command must name an allowed program (a bare name, or an absolute path in the fixed search
 * path) with literal arguments its rule accepts. Redirections, substitutions, expansions, globs,
 * subshells, groups, background jobs, environment prefixes and launchers are always denied;
 * pipes and {@code ; && ||} only where the policy allows those operators.
 *
 * <p>Immutable and thread-safe. {@link #evaluate} never throws: an input the parser does not
 * fully understand, or any failure inside the engine, is a denial.
 */
public final class ShellPolicy {
  /** Operators a policy may allow between allowed commands. */
  public enum Operator {
    PIPE,
    AND,
    OR,
    SEQUENCE
  }

  /** The search path programs are resolved on when a policy names none. */
  public static final List<String> DEFAULT_SEARCH_PATH = List.of("/usr/local/bin", "/usr/bin", "/bin");

  private static final ShellPolicy DISABLED = new ShellPolicy(false, DEFAULT_SEARCH_PATH, Set.of(), Map.of());

  private final boolean enabled;
  private final List<String> searchPath;
  private final Set<Operator> operators;
  private final Map<String, ProgramRule> programs;

  private ShellPolicy(boolean enabled, List<String> searchPath, Set<Operator> operators, Map<String, ProgramRule> programs) {
    this.enabled = enabled;
    this.searchPath = List.copyOf(searchPath);
    this.operators = operators.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(operators));
    this.programs = Map.copyOf(programs);
  }

  /** The default: every command is denied. */
  public static ShellPolicy disabled() {
    return DISABLED;
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean enabled() {
    return enabled;
  }

  /** The fixed directories an allowed program is resolved in, in order. */
  public List<String> searchPath() {
    return searchPath;
  }

  /** Decides {@code command}; never throws. */
  public Decision evaluate(String command) {
    if (!enabled) {
      return Decision.deny("shell.disabled", "shell commands are disabled by this policy");
    }
    try {
      Script script;
      try {
        script = ShellParser.parse(command);
      } catch (ShellSyntaxException e) {
        return Decision.deny("shell.syntax", "the command is not shell syntax the policy accepts: " + e.getMessage());
      }
      if (script.hasComment()) {
        return Decision.deny("shell.comment", "comments are not accepted: they hide text from review");
      }
      if (script.items().isEmpty()) {
        return Decision.deny("shell.empty", "the command is empty");
      }
      List<String> allowedBy = new ArrayList<>();
      Optional<Decision> denial = checkScript(script, allowedBy);
      if (denial.isPresent()) {
        return denial.get();
      }
      return Decision.allow(
          String.join(",", allowedBy),
          "allowed: " + String.join(", ", allowedBy.stream().map(r -> r.substring("shell.programs.".length())).toList())
              + " (resolved on " + String.join(":", searchPath) + ")");
    } catch (RuntimeException | StackOverflowError e) {
      return Decision.deny("shell.internal_error", "the shell policy could not decide, so it denies");
    }
  }

  private Optional<Decision> checkScript(Script script, List<String> allowedBy) {
    List<Item> items = script.items();
    for (int n = 0; n < items.size(); n++) {
      Item item = items.get(n);
      if (item.separator() == Separator.BACKGROUND) {
        return deny("shell.background", "background jobs ('&') are not allowed");
      }
      if ((item.separator() == Separator.SEQUENCE || item.separator() == Separator.NEWLINE)
          && !operators.contains(Operator.SEQUENCE)) {
        return deny(
            "shell.operator.sequence",
            (item.separator() == Separator.NEWLINE ? "a newline" : "';'") + " separates commands; command sequences are not allowed");
      }
      if (n > 0 && !operators.contains(Operator.SEQUENCE)) {
        Separator previous = items.get(n - 1).separator();
        return deny(
            "shell.operator.sequence",
            (previous == Separator.NEWLINE ? "a newline" : "';'") + " runs a second command; command sequences are not allowed");
      }
      Optional<Decision> d = checkAndOr(item.body(), allowedBy);
      if (d.isPresent()) {
        return d;
      }
    }
    return Optional.empty();
  }

  private Optional<Decision> checkAndOr(AndOr andOr, List<String> allowedBy) {
    for (Connective c : andOr.connectives()) {
      if (c == Connective.AND && !operators.contains(Operator.AND)) {
        return deny("shell.operator.and", "'&&' chains a second command; chaining is not allowed");
      }
      if (c == Connective.OR && !operators.contains(Operator.OR)) {
        return deny("shell.operator.or", "'||' chains a second command; chaining is not allowed");
      }
    }
    for (Pipeline pipeline : andOr.pipelines()) {
      if (pipeline.negated()) {
        return deny("shell.negation", "'!' pipelines are not accepted");
      }
      if (pipeline.commands().size() > 1 && !operators.contains(Operator.PIPE)) {
        return deny("shell.operator.pipe", "'|' feeds a second command; pipes are not allowed");
      }
      for (Command command : pipeline.commands()) {
        Optional<Decision> d = checkCommand(command, allowedBy);
        if (d.isPresent()) {
          return d;
        }
      }
    }
    return Optional.empty();
  }

  private Optional<Decision> checkCommand(Command command, List<String> allowedBy) {
    if (command instanceof Subshell) {
      return deny("shell.subshell", "subshells '( ... )' are not allowed");
    }
    if (command instanceof BraceGroup) {
      return deny("shell.brace_group", "command groups '{ ...; }' are not allowed");
    }
    SimpleCommand simple = (SimpleCommand) command;
    for (Redirection r : simple.redirections()) {
      if (r.operator().equals("<<<")) {
        return deny("shell.here_string", "here-strings '<<<' are not allowed");
      }
      if (r.hereDoc().isPresent()) {
        return deny("shell.here_document", "here-documents '<<' are not allowed");
      }
      return deny("shell.redirection", "redirection '" + r.operator() + "' is not allowed");
    }
    if (!simple.assignments().isEmpty()) {
      return deny("shell.env_prefix", "environment assignments before a command ('NAME=value cmd') are not allowed");
    }
    List<String> values = new ArrayList<>();
    for (Word word : simple.words()) {
      Optional<Decision> d = checkWordParts(word);
      if (d.isPresent()) {
        return d;
      }
      values.add(word.literalValue().orElseThrow());
    }
    Word programWord = simple.words().getFirst();
    if (!programWord.isPlain()) {
      return deny("shell.program.quoted", "the program name must be written plainly, without quotes or escapes");
    }
    return checkInvocation(values.getFirst(), values.subList(1, values.size()), allowedBy);
  }

  private static Optional<Decision> checkWordParts(Word word) {
    for (Part part : word.parts()) {
      Optional<Decision> d =
          switch (part) {
            case Literal l -> Optional.empty();
            case CommandSubstitution c -> deny("shell.command_substitution", "command substitution ('$(...)' or backquotes) is not allowed");
            case ProcessSubstitution p -> deny("shell.process_substitution", "process substitution ('<(...)', '>(...)') is not allowed");
            case Expansion e -> switch (e.kind()) {
              case PARAMETER -> deny("shell.parameter_expansion", "variable expansion '" + e.text() + "' is not allowed");
              case ARITHMETIC -> deny("shell.arithmetic", "arithmetic expansion is not allowed");
              case LOCALE_STRING -> deny("shell.locale_string", "$\"...\" strings are not allowed");
            };
            case AnsiC a -> deny("shell.ansi_c_quoting", "ANSI-C quoting ($'...') is not allowed: its escapes hide what runs");
            case Pattern p -> deny("shell.glob", "unquoted '" + p.character() + "' expands to file names (or brace lists); quote it");
            case Tilde t -> deny("shell.tilde", "unquoted '~' expands to a home directory outside the workspace");
          };
      if (d.isPresent()) {
        return d;
      }
    }
    return Optional.empty();
  }

  private Optional<Decision> checkInvocation(String program, List<String> args, List<String> allowedBy) {
    String name = program;
    if (program.indexOf('/') >= 0) {
      int slash = program.lastIndexOf('/');
      String dir = slash == 0 ? "/" : program.substring(0, slash);
      name = program.substring(slash + 1);
      if (!program.startsWith("/") || !searchPath.contains(dir) || name.isEmpty()) {
        return deny(
            "shell.program.path",
            "program '" + program + "' is not a bare name or a path in the fixed search path " + String.join(":", searchPath));
      }
    }
    ProgramRule rule = programs.get(name);
    if (rule == null) {
      return deny("shell.program.not_allowed", "program '" + name + "' is not in the allowed programs");
    }
    if (ArgumentHazards.isLauncher(name) && !rule.allowedHazards().contains(ArgumentHazards.LAUNCHER)) {
      return deny("shell.launcher", "'" + name + "' is a launcher: it runs another program, which this policy does not allow");
    }
    for (String a : args) {
      if (ArgumentHazards.hasEncodedControl(a)) {
        return deny("shell.argument.encoded_control", "argument '" + a + "' carries a percent-encoded control character");
      }
      if (pointsOutsideWorkspace(a)) {
        return deny("shell.argument.outside_workspace", "argument '" + a + "' names a path outside the workspace");
      }
    }
    Optional<ArgumentHazards.Finding> hazard = ArgumentHazards.firstHazard(name, args, rule.allowedHazards());
    if (hazard.isPresent()) {
      ArgumentHazards.Finding f = hazard.get();
      return deny(
          "shell.argument." + f.hazard().kind().ruleSuffix(),
          "argument '" + f.argument() + "' of " + name + " " + f.hazard().kind().effect
              + " (" + f.hazard().spelling() + "); allow it explicitly if intended");
    }
    Optional<ArgumentRule.Violation> violation = checkArguments(name, rule, args);
    if (violation.isPresent()) {
      return deny(violation.get().ruleId(), name + ": " + violation.get().reason());
    }
    allowedBy.add("shell.programs." + name);
    return Optional.empty();
  }

  private static Optional<ArgumentRule.Violation> checkArguments(String name, ProgramRule rule, List<String> args) {
    boolean tar = ArgumentHazards.family(name).equals("tar");
    if (rule.subcommands().isEmpty()) {
      return rule.arguments().check(args, tar);
    }
    int index = 0;
    while (index < args.size() && args.get(index).startsWith("-")) {
      index++;
    }
    // Global options before the subcommand: each must be allowed by the program-level rule.
    Optional<ArgumentRule.Violation> global = rule.arguments().check(args.subList(0, index), false);
    if (global.isPresent()) {
      return global;
    }
    if (index > 0 && rule.arguments() == ArgumentRule.any()) {
      return Optional.of(new ArgumentRule.Violation("shell.argument.option_not_allowed", "options before the subcommand are not allowed"));
    }
    if (index >= args.size()) {
      return Optional.of(new ArgumentRule.Violation("shell.argument.subcommand_required", "a subcommand is required, one of " + rule.subcommands().keySet()));
    }
    String sub = args.get(index);
    ArgumentRule subRule = rule.subcommands().get(sub);
    if (subRule == null) {
      return Optional.of(new ArgumentRule.Violation("shell.argument.subcommand_not_allowed", "subcommand '" + sub + "' is not in the allowed list " + rule.subcommands().keySet()));
    }
    return subRule.check(args.subList(index + 1, args.size()), false);
  }

  /**
   * True when an argument, or the value in it ({@code --opt=value}, {@code -fvalue}), is an
   * absolute or home-relative path, or when it has a {@code ..} path segment.
   */
  static boolean pointsOutsideWorkspace(String argument) {
    List<String> values = new ArrayList<>();
    values.add(argument);
    int eq = argument.indexOf('=');
    if (eq >= 0) {
      values.add(argument.substring(eq + 1));
    }
    if (argument.length() > 2 && argument.charAt(0) == '-' && argument.charAt(1) != '-') {
      values.add(argument.substring(2));
    }
    for (String v : values) {
      if (v.startsWith("/") || v.startsWith("~")) {
        return true;
      }
    }
    for (String segment : argument.split("[/\\\\=,:]", -1)) {
      if (segment.equals("..")) {
        return true;
      }
    }
    return false;
  }

  private static Optional<Decision> deny(String ruleId, String reason) {
    return Optional.of(Decision.deny(ruleId, reason));
  }

  /** Builds an enabled {@link ShellPolicy}; the order of calls does not matter. */
  public static final class Builder {
    private List<String> searchPath = DEFAULT_SEARCH_PATH;
    private final Set<Operator> operators = EnumSet.noneOf(Operator.class);
    private final Map<String, ProgramRule> programs = new LinkedHashMap<>();

    private Builder() {}

    /** The fixed search path: absolute, normalised directories. */
    public Builder searchPath(List<String> directories) {
      if (directories.isEmpty()) {
        throw new PolicyException("shell.path must name at least one directory");
      }
      for (String d : directories) {
        if (d == null || !d.startsWith("/") || d.contains("//") || d.contains("/./") || d.contains("/../")
            || d.endsWith("/..") || d.endsWith("/.") || (d.length() > 1 && d.endsWith("/"))) {
          throw new PolicyException("shell.path entry '" + d + "' must be an absolute, normalised directory");
        }
      }
      this.searchPath = List.copyOf(directories);
      return this;
    }

    public Builder allowOperators(Set<Operator> allowed) {
      operators.addAll(allowed);
      return this;
    }

    public Builder allowProgram(ProgramRule rule) {
      if (programs.putIfAbsent(rule.name(), rule) != null) {
        throw new PolicyException("program '" + rule.name() + "' is listed twice");
      }
      return this;
    }

    public ShellPolicy build() {
      return new ShellPolicy(true, searchPath, operators, programs);
    }
  }
}
