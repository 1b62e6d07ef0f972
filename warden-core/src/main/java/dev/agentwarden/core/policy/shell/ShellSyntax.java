package dev.agentwarden.core.policy.shell;

import java.util.List;
import java.util.Optional;

/**
 * The syntax tree {@link ShellParser} builds: exactly what a POSIX shell (and the bash extensions
 * agents write) would run, so the policy judges the command the shell sees, not the text.
 */
final class ShellSyntax {
  private ShellSyntax() {}

  /** What ends one item of a list. */
  enum Separator {
    /** {@code ;} */
    SEQUENCE,
    /** {@code &}: the item runs in the background. */
    BACKGROUND,
    /** An unquoted newline, which the shell treats like {@code ;}. */
    NEWLINE,
    /** The end of the script or of the enclosing group. */
    END
  }

  /** {@code &&} or {@code ||}. */
  enum Connective {
    AND,
    OR
  }

  /** A list of and-or lists, each ended by a separator. */
  record Script(List<Item> items, boolean hasComment) {
    Script {
      items = List.copyOf(items);
    }
  }

  record Item(AndOr body, Separator separator) {}

  /** Pipelines joined by {@code &&} / {@code ||}; {@code connectives.size() == pipelines.size() - 1}. */
  record AndOr(List<Pipeline> pipelines, List<Connective> connectives) {
    AndOr {
      pipelines = List.copyOf(pipelines);
      connectives = List.copyOf(connectives);
    }
  }

  /** Commands joined by {@code |} (or {@code |&}); {@code negated} for a leading {@code !}. */
  record Pipeline(List<Command> commands, boolean negated, boolean pipesStderr) {
    Pipeline {
      commands = List.copyOf(commands);
    }
  }

  sealed interface Command permits SimpleCommand, Subshell, BraceGroup {
    List<Redirection> redirections();
  }

  /** {@code A=b cmd arg... <redirections>}. */
  record SimpleCommand(List<Word> assignments, List<Word> words, List<Redirection> redirections)
      implements Command {
    SimpleCommand {
      assignments = List.copyOf(assignments);
      words = List.copyOf(words);
      redirections = List.copyOf(redirections);
    }
  }

  /** {@code ( script )}. */
  record Subshell(Script body, List<Redirection> redirections) implements Command {
    Subshell {
      redirections = List.copyOf(redirections);
    }
  }

  /** <code>{ script; }</code>. */
  record BraceGroup(Script body, List<Redirection> redirections) implements Command {
    BraceGroup {
      redirections = List.copyOf(redirections);
    }
  }

  /**
   * One redirection: the operator as written ({@code >}, {@code >>}, {@code <<}, {@code <<<},
   * {@code &>}...), the file descriptor prefix if any, the target word, and for a here-document
   * its body.
   */
  record Redirection(String operator, Optional<String> fd, Word target, Optional<HereDoc> hereDoc) {}

  /** A here-document body; {@code expands} when the delimiter was unquoted. */
  record HereDoc(String body, boolean expands) {}

  /** A word as the shell splits it, made of parts with their quoting. */
  record Word(List<Part> parts) {
    Word {
      parts = List.copyOf(parts);
    }

    /** The word's value when it is only literal text (any quoting), else empty. */
    Optional<String> literalValue() {
      StringBuilder out = new StringBuilder();
      for (Part part : parts) {
        if (!(part instanceof Literal literal)) {
          return Optional.empty();
        }
        out.append(literal.text());
      }
      return Optional.of(out.toString());
    }

    /** True when the word is one unquoted, unescaped literal. */
    boolean isPlain() {
      return parts.size() == 1 && parts.getFirst() instanceof Literal l && l.quoting() == Quoting.NONE;
    }
  }

  enum Quoting {
    NONE,
    /** A backslash-escaped character outside quotes. */
    ESCAPED,
    SINGLE,
    DOUBLE
  }

  sealed interface Part
      permits Literal, AnsiC, Pattern, Tilde, Expansion, CommandSubstitution, ProcessSubstitution {}

  /** Text taken literally by the shell. */
  record Literal(String text, Quoting quoting) implements Part {}

  /** {@code $'...'}, with its escapes decoded. */
  record AnsiC(String decoded) implements Part {}

  /** An unquoted glob or brace-expansion character: {@code * ? [ { }}. */
  record Pattern(char character) implements Part {}

  /** An unquoted {@code ~} that the shell expands to a home directory. */
  record Tilde() implements Part {}

  enum ExpansionKind {
    PARAMETER,
    ARITHMETIC,
    LOCALE_STRING
  }

  /** {@code $name}, <code>${...}</code>, {@code $((...))}, {@code $"..."}: text as written. */
  record Expansion(ExpansionKind kind, String text) implements Part {}

  /** {@code $( script )} or a backquoted script. */
  record CommandSubstitution(Script script, boolean backquoted) implements Part {}

  /** {@code <( script )} or {@code >( script )}. */
  record ProcessSubstitution(Script script, char direction) implements Part {}
}
