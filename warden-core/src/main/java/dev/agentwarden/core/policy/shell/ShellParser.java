package dev.agentwarden.core.policy.shell;

import dev.agentwarden.core.policy.shell.ShellSyntax.AndOr;
import dev.agentwarden.core.policy.shell.ShellSyntax.AnsiC;
import dev.agentwarden.core.policy.shell.ShellSyntax.BraceGroup;
import dev.agentwarden.core.policy.shell.ShellSyntax.Command;
import dev.agentwarden.core.policy.shell.ShellSyntax.CommandSubstitution;
import dev.agentwarden.core.policy.shell.ShellSyntax.Connective;
import dev.agentwarden.core.policy.shell.ShellSyntax.Expansion;
import dev.agentwarden.core.policy.shell.ShellSyntax.ExpansionKind;
import dev.agentwarden.core.policy.shell.ShellSyntax.HereDoc;
import dev.agentwarden.core.policy.shell.ShellSyntax.Item;
import dev.agentwarden.core.policy.shell.ShellSyntax.Literal;
import dev.agentwarden.core.policy.shell.ShellSyntax.Part;
import dev.agentwarden.core.policy.shell.ShellSyntax.Pattern;
import dev.agentwarden.core.policy.shell.ShellSyntax.Pipeline;
import dev.agentwarden.core.policy.shell.ShellSyntax.ProcessSubstitution;
import dev.agentwarden.core.policy.shell.ShellSyntax.Quoting;
import dev.agentwarden.core.policy.shell.ShellSyntax.Redirection;
import dev.agentwarden.core.policy.shell.ShellSyntax.Script;
import dev.agentwarden.core.policy.shell.ShellSyntax.Separator;
import dev.agentwarden.core.policy.shell.ShellSyntax.SimpleCommand;
import dev.agentwarden.core.policy.shell.ShellSyntax.Subshell;
import dev.agentwarden.core.policy.shell.ShellSyntax.Tilde;
import dev.agentwarden.core.policy.shell.ShellSyntax.Word;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A recursive-descent parser for the POSIX sh grammar plus the bash extensions agents use
 * (here-strings, process substitution, ANSI-C quoting, {@code &>}, {@code |&}).
 *
 * <p>It is deliberately strict: compound commands ({@code if}, {@code for}, {@code case},
 * functions, {@code [[ ]]}, {@code (( ))}), control characters other than tab and newline, a NUL
 * byte, unterminated quotes or groups, and anything else it cannot place in the tree raise
 * {@link ShellSyntaxException}, which the policy turns into a denial. Not thread-safe; one
 * instance parses one command.
 */
final class ShellParser {
  static final int MAX_LENGTH = 16 * 1024;
  static final int MAX_DEPTH = 32;

  private static final Set<String> RESERVED =
      Set.of(
          "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
          "select", "function", "in", "[[", "]]", "coproc", "((");

  private enum End {
    EOF,
    PAREN,
    BRACE
  }

  private record PendingHereDoc(String delimiter, boolean stripTabs, boolean expands, int slot) {}

  private final String src;
  private final int depth;
  private int pos;
  private boolean sawComment;
  private final List<PendingHereDoc> pendingHereDocs = new ArrayList<>();
  // Here-document bodies are read after the next newline, after the redirection that names them
  // was built; the redirections are patched through these slots.
  private final List<Redirection[]> hereDocSlots = new ArrayList<>();

  // A newline inside a nested group while the enclosing command still waits for a here-document
  // body would start that body; rather than model it, such input is refused.
  private final boolean enclosingHereDocPending;

  private ShellParser(String src, int depth, boolean enclosingHereDocPending) {
    this.src = src;
    this.depth = depth;
    this.enclosingHereDocPending = enclosingHereDocPending;
  }

  /** Parses a whole command line. */
  static Script parse(String command) {
    if (command.length() > MAX_LENGTH) {
      throw new ShellSyntaxException("command longer than " + MAX_LENGTH + " characters", MAX_LENGTH);
    }
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (c == 0) {
        throw new ShellSyntaxException("NUL byte", i);
      }
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
        throw new ShellSyntaxException(String.format("control character U+%04X", (int) c), i);
      }
      if (Character.getType(c) == Character.FORMAT) {
        // Bidi overrides, zero-width characters: text that displays differently than it runs.
        throw new ShellSyntaxException(String.format("invisible format character U+%04X", (int) c), i);
      }
      if (Character.isSurrogate(c) && !validSurrogateAt(command, i)) {
        throw new ShellSyntaxException("unpaired surrogate", i);
      }
    }
    return new ShellParser(command, 0, false).parseAll();
  }

  private static boolean validSurrogateAt(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  private Script parseAll() {
    Script script = parseScript(End.EOF);
    if (!pendingHereDocs.isEmpty()) {
      throw error("here-document without a body");
    }
    return resolveHereDocs(script);
  }

  // ---- lists

  private Script parseScript(End end) {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
    List<Item> items = new ArrayList<>();
    while (true) {
      skipBlanks();
      if (atEnd()) {
        if (end != End.EOF) {
          throw error(end == End.PAREN ? "missing ')'" : "missing '}'");
        }
        break;
      }
      char c = peek();
      if (c == '\n') {
        consumeNewline();
        continue;
      }
      if (end == End.PAREN && c == ')') {
        break;
      }
      if (end == End.BRACE && atReservedWord("}")) {
        break;
      }
      if (c == ';' || c == '&' || c == '|' || c == ')') {
        throw error("unexpected '" + c + "'");
      }
      AndOr body = parseAndOr(end);
      skipBlanks();
      Separator separator;
      if (atEnd()) {
        separator = Separator.END;
      } else if (peek() == ';') {
        if (peekAt(1) == ';' || peekAt(1) == '&') {
          throw error("case terminator outside case");
        }
        pos++;
        separator = Separator.SEQUENCE;
      } else if (peek() == '&') {
        pos++;
        separator = Separator.BACKGROUND;
      } else if (peek() == '\n') {
        consumeNewline();
        separator = Separator.NEWLINE;
      } else if ((end == End.PAREN && peek() == ')') || (end == End.BRACE && atReservedWord("}"))) {
        separator = Separator.END;
      } else {
        throw error("unexpected '" + peek() + "'");
      }
      items.add(new Item(body, separator));
      if (items.size() > 4096) {
        throw error("too many commands");
      }
    }
    if (items.isEmpty() && end != End.EOF) {
      throw error("empty group");
    }
    if (end == End.BRACE && !items.isEmpty() && items.getLast().separator() == Separator.END) {
      throw error("'}' must follow ';' or a newline");
    }
    return new Script(items, sawComment);
  }

  private AndOr parseAndOr(End end) {
    List<Pipeline> pipelines = new ArrayList<>();
    List<Connective> connectives = new ArrayList<>();
    pipelines.add(parsePipeline(end));
    while (true) {
      skipBlanks();
      if (startsWith("&&")) {
        pos += 2;
        connectives.add(Connective.AND);
      } else if (startsWith("||")) {
        pos += 2;
        connectives.add(Connective.OR);
      } else {
        return new AndOr(pipelines, connectives);
      }
      skipBlanksAndNewlines();
      pipelines.add(parsePipeline(end));
    }
  }

  private Pipeline parsePipeline(End end) {
    skipBlanks();
    boolean negated = false;
    if (atReservedWord("!")) {
      pos++;
      negated = true;
    }
    List<Command> commands = new ArrayList<>();
    boolean pipesStderr = false;
    commands.add(parseCommand(end));
    while (true) {
      skipBlanks();
      if (peek() == '|' && peekAt(1) != '|') {
        pos++;
        if (peek() == '&') {
          pos++;
          pipesStderr = true;
        }
        skipBlanksAndNewlines();
        commands.add(parseCommand(end));
      } else {
        return new Pipeline(commands, negated, pipesStderr);
      }
    }
  }

  // ---- commands

  private Command parseCommand(End end) {
    skipBlanks();
    if (atEnd()) {
      throw error("missing command");
    }
    if (peek() == '(') {
      if (peekAt(1) == '(') {
        throw error("arithmetic command '((' is not supported");
      }
      pos++;
      Script body = child().parseNested(this, End.PAREN);
      expect(')');
      return new Subshell(body, parseTrailingRedirections());
    }
    if (atReservedWord("{")) {
      pos++;
      Script body = child().parseNested(this, End.BRACE);
      if (!atReservedWord("}")) {
        throw error("missing '}'");
      }
      pos++;
      return new BraceGroup(body, parseTrailingRedirections());
    }
    for (String reserved : RESERVED) {
      if (atReservedWord(reserved)) {
        throw error("compound command '" + reserved + "' is not supported");
      }
    }
    return parseSimpleCommand(end);
  }

  /** Parses a nested script in a child parser that shares this parser's position. */
  private Script parseNested(ShellParser parent, End end) {
    this.pos = parent.pos;
    Script script;
    try {
      script = parseScript(end);
    } finally {
      parent.pos = this.pos;
    }
    if (!pendingHereDocs.isEmpty()) {
      // A here-document opened inside a group must be closed inside it.
      throw error("here-document without a body");
    }
    parent.sawComment |= this.sawComment;
    return resolveHereDocs(script);
  }

  private ShellParser child() {
    return new ShellParser(src, depth + 1, enclosingHereDocPending || !pendingHereDocs.isEmpty());
  }

  private List<Redirection> parseTrailingRedirections() {
    List<Redirection> redirections = new ArrayList<>();
    while (true) {
      skipBlanks();
      Optional<Redirection> redirection = tryRedirection();
      if (redirection.isEmpty()) {
        break;
      }
      redirections.add(redirection.get());
    }
    if (!atEnd() && !isCommandEnd(peek())) {
      throw error("unexpected text after group");
    }
    return redirections;
  }

  private SimpleCommand parseSimpleCommand(End end) {
    List<Word> assignments = new ArrayList<>();
    List<Word> words = new ArrayList<>();
    List<Redirection> redirections = new ArrayList<>();
    while (true) {
      skipBlanks();
      if (atEnd() || isCommandEnd(peek())) {
        break;
      }
      if (end == End.BRACE && words.isEmpty() && assignments.isEmpty() && atReservedWord("}")) {
        break;
      }
      if (peek() == '(') {
        throw error(words.size() == 1 ? "function definitions are not supported" : "unexpected '('");
      }
      Optional<Redirection> redirection = tryRedirection();
      if (redirection.isPresent()) {
        redirections.add(redirection.get());
        continue;
      }
      boolean assignmentPosition = words.isEmpty();
      int start = pos;
      boolean assignment = assignmentPosition && atAssignment();
      Word word = readWord(assignment);
      if (word.parts().isEmpty()) {
        throw error("unexpected '" + src.charAt(start) + "'");
      }
      if (assignment) {
        assignments.add(word);
      } else {
        words.add(word);
      }
    }
    if (words.isEmpty() && assignments.isEmpty() && redirections.isEmpty()) {
      throw error("missing command");
    }
    return new SimpleCommand(assignments, words, redirections);
  }

  private boolean isCommandEnd(char c) {
    return c == ';' || (c == '&' && peekAt(1) != '>') || c == '|' || c == ')' || c == '\n';
  }

  private boolean atAssignment() {
    int i = pos;
    if (i >= src.length() || !isNameStart(src.charAt(i))) {
      return false;
    }
    while (i < src.length() && isNameChar(src.charAt(i))) {
      i++;
    }
    if (i < src.length() && src.charAt(i) == '[') {
      return true; // array element assignment: treated as an assignment (and denied)
    }
    if (i < src.length() && src.charAt(i) == '+') {
      i++;
    }
    return i < src.length() && src.charAt(i) == '=';
  }

  // ---- redirections

  private Optional<Redirection> tryRedirection() {
    int start = pos;
    Optional<String> fd = Optional.empty();
    int i = pos;
    while (i < src.length() && Character.isDigit(src.charAt(i))) {
      i++;
    }
    if (i > pos && i < src.length() && (src.charAt(i) == '<' || src.charAt(i) == '>')) {
      fd = Optional.of(src.substring(pos, i));
      pos = i;
    }
    String operator = null;
    for (String op : new String[] {"&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", ">>", ">|", ">&", "<", ">"}) {
      if (startsWith(op)) {
        operator = op;
        break;
      }
    }
    if (operator == null || (fd.isEmpty() && (startsWith("<(") || startsWith(">(")))) {
      pos = start;
      return Optional.empty();
    }
    if (fd.isPresent() && operator.startsWith("&")) {
      pos = start;
      return Optional.empty();
    }
    pos += operator.length();
    skipBlanks();
    if (atEnd() || isCommandEnd(peek()) || peek() == '<' || peek() == '>' || peek() == '(') {
      throw error("missing redirection target after '" + operator + "'");
    }
    int wordStart = pos;
    Word target = readWord(false);
    if (target.parts().isEmpty()) {
      throw error("missing redirection target after '" + operator + "'");
    }
    if (operator.equals("<<") || operator.equals("<<-")) {
      String delimiter = src.substring(wordStart, pos);
      boolean quoted = delimiter.indexOf('\'') >= 0 || delimiter.indexOf('"') >= 0 || delimiter.indexOf('\\') >= 0;
      String unquoted = target.literalValue().orElseThrow(() -> error("here-document delimiter with expansions"));
      if (unquoted.isEmpty()) {
        throw error("empty here-document delimiter");
      }
      Redirection[] slot = new Redirection[1];
      slot[0] = new Redirection(operator, fd, target, Optional.empty());
      hereDocSlots.add(slot);
      pendingHereDocs.add(new PendingHereDoc(unquoted, operator.equals("<<-"), !quoted, hereDocSlots.size() - 1));
      return Optional.of(slot[0]);
    }
    return Optional.of(new Redirection(operator, fd, target, Optional.empty()));
  }

  private void consumeNewline() {
    if (enclosingHereDocPending) {
      throw error("newline inside a group while a here-document is pending");
    }
    expect('\n');
    if (pendingHereDocs.isEmpty()) {
      return;
    }
    for (PendingHereDoc pending : List.copyOf(pendingHereDocs)) {
      StringBuilder body = new StringBuilder();
      boolean closed = false;
      while (!atEnd()) {
        int lineEnd = src.indexOf('\n', pos);
        String line = lineEnd < 0 ? src.substring(pos) : src.substring(pos, lineEnd);
        pos = lineEnd < 0 ? src.length() : lineEnd + 1;
        String compared = pending.stripTabs() ? line.replaceFirst("^\t+", "") : line;
        if (compared.equals(pending.delimiter())) {
          closed = true;
          break;
        }
        body.append(compared).append('\n');
      }
      if (!closed) {
        throw error("here-document not terminated by '" + pending.delimiter() + "'");
      }
      Redirection[] slot = hereDocSlots.get(pending.slot());
      Redirection open = slot[0];
      slot[0] =
          new Redirection(
              open.operator(), open.fd(), open.target(),
              Optional.of(new HereDoc(body.toString(), pending.expands())));
    }
    pendingHereDocs.clear();
  }

  /** Replaces here-document redirections that were read before their body with the full ones. */
  private Script resolveHereDocs(Script script) {
    if (hereDocSlots.isEmpty()) {
      return script;
    }
    List<Item> items = new ArrayList<>();
    for (Item item : script.items()) {
      List<Pipeline> pipelines = new ArrayList<>();
      for (Pipeline pipeline : item.body().pipelines()) {
        List<Command> commands = new ArrayList<>();
        for (Command command : pipeline.commands()) {
          commands.add(
              switch (command) {
                case SimpleCommand s -> new SimpleCommand(s.assignments(), s.words(), patch(s.redirections()));
                case Subshell s -> new Subshell(s.body(), patch(s.redirections()));
                case BraceGroup b -> new BraceGroup(b.body(), patch(b.redirections()));
              });
        }
        pipelines.add(new Pipeline(commands, pipeline.negated(), pipeline.pipesStderr()));
      }
      items.add(new Item(new AndOr(pipelines, item.body().connectives()), item.separator()));
    }
    return new Script(items, script.hasComment());
  }

  private List<Redirection> patch(List<Redirection> redirections) {
    List<Redirection> out = new ArrayList<>();
    for (Redirection r : redirections) {
      Redirection replacement = r;
      for (Redirection[] slot : hereDocSlots) {
        if (slot[0].target() == r.target() && slot[0].operator().equals(r.operator())) {
          replacement = slot[0];
        }
      }
      if ((replacement.operator().equals("<<") || replacement.operator().equals("<<-"))
          && replacement.hereDoc().isEmpty()) {
        throw error("here-document without a body");
      }
      out.add(replacement);
    }
    return out;
  }

  // ---- words

  private Word readWord(boolean assignment) {
    List<Part> parts = new ArrayList<>();
    StringBuilder plain = new StringBuilder();
    int wordStart = pos;
    while (!atEnd()) {
      char c = peek();
      if ((c == '<' || c == '>') && peekAt(1) == '(') {
        flush(parts, plain);
        pos += 2;
        Script script = child().parseNested(this, End.PAREN);
        expect(')');
        parts.add(new ProcessSubstitution(script, c));
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<'
          || c == '>' || c == '(' || c == ')') {
        break;
      }
      switch (c) {
        case '\\' -> {
          if (peekAt(1) == '\n') {
            pos += 2; // line continuation
          } else if (pos + 1 >= src.length()) {
            throw error("trailing backslash");
          } else {
            flush(parts, plain);
            int cp = src.codePointAt(pos + 1);
            parts.add(new Literal(new String(Character.toChars(cp)), Quoting.ESCAPED));
            pos += 1 + Character.charCount(cp);
          }
        }
        case '\'' -> {
          flush(parts, plain);
          int close = src.indexOf('\'', pos + 1);
          if (close < 0) {
            throw error("unterminated single quote");
          }
          parts.add(new Literal(src.substring(pos + 1, close), Quoting.SINGLE));
          pos = close + 1;
        }
        case '"' -> {
          flush(parts, plain);
          readDoubleQuoted(parts);
        }
        case '$' -> {
          flush(parts, plain);
          readDollar(parts, false);
        }
        case '`' -> {
          flush(parts, plain);
          readBackquoted(parts, false);
        }
        case '*', '?', '[', '{', '}' -> {
          flush(parts, plain);
          parts.add(new Pattern(c));
          pos++;
        }
        case '~' -> {
          // bash expands a tilde after '=' or ':' even in arguments that merely look like
          // assignments, so any such tilde counts.
          boolean expands = pos == wordStart || src.charAt(pos - 1) == '=' || src.charAt(pos - 1) == ':';
          if (expands) {
            flush(parts, plain);
            parts.add(new Tilde());
          } else {
            plain.append(c);
          }
          pos++;
        }
        case '#' -> {
          if (pos == wordStart) {
            skipComment();
            return new Word(parts);
          }
          plain.append(c);
          pos++;
        }
        default -> {
          plain.append(c);
          pos++;
        }
      }
    }
    flush(parts, plain);
    return new Word(parts);
  }

  private static void flush(List<Part> parts, StringBuilder plain) {
    if (!plain.isEmpty()) {
      parts.add(new Literal(plain.toString(), Quoting.NONE));
      plain.setLength(0);
    }
  }

  private void readDoubleQuoted(List<Part> parts) {
    expect('"');
    StringBuilder text = new StringBuilder();
    while (true) {
      if (atEnd()) {
        throw error("unterminated double quote");
      }
      char c = peek();
      if (c == '"') {
        pos++;
        break;
      }
      if (c == '\\') {
        char next = peekAt(1);
        if (next == '\n') {
          pos += 2;
        } else if (next == '$' || next == '`' || next == '"' || next == '\\') {
          text.append(next);
          pos += 2;
        } else {
          text.append('\\');
          pos++;
        }
      } else if (c == '$') {
        flushQuoted(parts, text);
        readDollar(parts, true);
      } else if (c == '`') {
        flushQuoted(parts, text);
        readBackquoted(parts, true);
      } else {
        text.append(c);
        pos++;
      }
    }
    // An empty "" is still a word (an empty argument).
    if (!text.isEmpty() || parts.isEmpty() || !(parts.getLast() instanceof Literal)) {
      parts.add(new Literal(text.toString(), Quoting.DOUBLE));
    }
  }

  private static void flushQuoted(List<Part> parts, StringBuilder text) {
    if (!text.isEmpty()) {
      parts.add(new Literal(text.toString(), Quoting.DOUBLE));
      text.setLength(0);
    }
  }

  /** At a {@code $}: an expansion, a substitution, ANSI-C quoting, or a literal dollar. */
  private void readDollar(List<Part> parts, boolean inDoubleQuotes) {
    int start = pos;
    char next = peekAt(1);
    if (next == '\'' && !inDoubleQuotes) {
      pos += 2;
      parts.add(new AnsiC(readAnsiC()));
    } else if (next == '"' && !inDoubleQuotes) {
      pos++;
      List<Part> inner = new ArrayList<>();
      readDoubleQuoted(inner);
      parts.add(new Expansion(ExpansionKind.LOCALE_STRING, src.substring(start, pos)));
    } else if (next == '(' && peekAt(2) == '(') {
      pos += 3;
      skipBalanced('(', ')', 2);
      parts.add(new Expansion(ExpansionKind.ARITHMETIC, src.substring(start, pos)));
    } else if (next == '(') {
      pos += 2;
      Script script = child().parseNested(this, End.PAREN);
      expect(')');
      parts.add(new CommandSubstitution(script, false));
    } else if (next == '{') {
      pos += 2;
      skipBalanced('{', '}', 1);
      parts.add(new Expansion(ExpansionKind.PARAMETER, src.substring(start, pos)));
    } else if (next == '[') {
      pos += 2;
      skipBalanced('[', ']', 1); // obsolete $[ ] arithmetic
      parts.add(new Expansion(ExpansionKind.ARITHMETIC, src.substring(start, pos)));
    } else if (isNameStart(next)) {
      pos++;
      while (!atEnd() && isNameChar(peek())) {
        pos++;
      }
      parts.add(new Expansion(ExpansionKind.PARAMETER, src.substring(start, pos)));
    } else if (Character.isDigit(next) || (next != 0 && "@*#?-$!".indexOf(next) >= 0)) {
      pos += 2;
      parts.add(new Expansion(ExpansionKind.PARAMETER, src.substring(start, pos)));
    } else {
      // A dollar followed by nothing expandable is literal to the shell, but whether it is
      // depends on the next character; it is kept as an expansion so the policy refuses it.
      parts.add(new Expansion(ExpansionKind.PARAMETER, "$"));
      pos++;
    }
  }

  /** Skips to the matching close character, honouring quotes; {@code open} count already consumed. */
  private void skipBalanced(char open, char close, int alreadyOpen) {
    int level = alreadyOpen;
    while (level > 0) {
      if (atEnd()) {
        throw error("missing '" + close + "'");
      }
      char c = peek();
      if (c == '\\') {
        pos += 2;
        continue;
      }
      if (c == '\'') {
        int end = src.indexOf('\'', pos + 1);
        if (end < 0) {
          throw error("unterminated single quote");
        }
        pos = end + 1;
        continue;
      }
      if (c == '"') {
        int end = pos + 1;
        while (end < src.length() && src.charAt(end) != '"') {
          end += src.charAt(end) == '\\' ? 2 : 1;
        }
        if (end >= src.length()) {
          throw error("unterminated double quote");
        }
        pos = end + 1;
        continue;
      }
      if (c == open) {
        level++;
      } else if (c == close) {
        level--;
      }
      pos++;
    }
    if (pos > src.length()) {
      throw error("unexpected end");
    }
  }

  private String readAnsiC() {
    StringBuilder out = new StringBuilder();
    while (true) {
      if (atEnd()) {
        throw error("unterminated $'...'");
      }
      char c = src.charAt(pos++);
      if (c == '\'') {
        return out.toString();
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (atEnd()) {
        throw error("unterminated $'...'");
      }
      char e = src.charAt(pos++);
      switch (e) {
        case 'a' -> out.append('\u0007');
        case 'b' -> out.append('\b');
        case 'e', 'E' -> out.append('\u001b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'v' -> out.append('\u000b');
        case '\\', '\'', '"', '?' -> out.append(e);
        case 'x' -> out.appendCodePoint(readHex(2, 1));
        case 'u' -> out.appendCodePoint(readHex(4, 1));
        case 'U' -> out.appendCodePoint(readHex(8, 1));
        case 'c' -> {
          if (atEnd()) {
            throw error("unterminated $'...'");
          }
          out.append((char) (src.charAt(pos++) & 0x1f));
        }
        default -> {
          if (e >= '0' && e <= '7') {
            int value = e - '0';
            for (int n = 0; n < 2 && !atEnd() && peek() >= '0' && peek() <= '7'; n++) {
              value = value * 8 + (src.charAt(pos++) - '0');
            }
            out.append((char) (value & 0xff));
          } else {
            out.append('\\').append(e);
          }
        }
      }
    }
  }

  private int readHex(int maxDigits, int minDigits) {
    int value = 0;
    int digits = 0;
    while (digits < maxDigits && !atEnd() && Character.digit(peek(), 16) >= 0) {
      value = value * 16 + Character.digit(src.charAt(pos++), 16);
      digits++;
    }
    if (digits < minDigits) {
      throw error("escape without hex digits");
    }
    if (value > Character.MAX_CODE_POINT || (value >= 0xD800 && value <= 0xDFFF)) {
      throw error("escape outside Unicode");
    }
    return value;
  }

  private void readBackquoted(List<Part> parts, boolean inDoubleQuotes) {
    expect('`');
    StringBuilder inner = new StringBuilder();
    while (true) {
      if (atEnd()) {
        throw error("unterminated backquote");
      }
      char c = src.charAt(pos++);
      if (c == '`') {
        break;
      }
      if (c == '\\' && !atEnd()) {
        char next = peek();
        if (next == '$' || next == '`' || next == '\\' || (inDoubleQuotes && next == '"')) {
          inner.append(next);
          pos++;
          continue;
        }
      }
      inner.append(c);
    }
    if (depth + 1 > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
    ShellParser nested = new ShellParser(inner.toString(), depth + 1, false);
    Script script;
    try {
      script = nested.parseAll();
    } catch (ShellSyntaxException e) {
      throw error("inside backquotes: " + e.getMessage());
    }
    sawComment |= nested.sawComment;
    parts.add(new CommandSubstitution(script, true));
  }

  // ---- characters

  private void skipBlanks() {
    while (!atEnd()) {
      char c = peek();
      if (c == ' ' || c == '\t') {
        pos++;
      } else if (c == '\\' && peekAt(1) == '\n') {
        pos += 2;
      } else if (c == '#') {
        skipComment();
      } else {
        return;
      }
    }
  }

  private void skipComment() {
    sawComment = true;
    while (!atEnd() && peek() != '\n') {
      pos++;
    }
  }

  private void skipBlanksAndNewlines() {
    while (true) {
      skipBlanks();
      if (!atEnd() && peek() == '\n') {
        consumeNewline();
      } else {
        return;
      }
    }
  }

  /** True when {@code word} stands here as a whole word (followed by a blank, newline, ; or end). */
  private boolean atReservedWord(String word) {
    if (!startsWith(word)) {
      return false;
    }
    int after = pos + word.length();
    if (after >= src.length()) {
      return true;
    }
    char c = src.charAt(after);
    return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == ')' || c == '<' || c == '>'
        || word.equals("((") || word.equals("!") && c == '(' ;
  }

  private static boolean isNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static boolean isNameChar(char c) {
    return isNameStart(c) || (c >= '0' && c <= '9');
  }

  private boolean atEnd() {
    return pos >= src.length();
  }

  /** The current character, or 0 at the end (0 never occurs in input: NUL is refused up front). */
  private char peek() {
    return pos < src.length() ? src.charAt(pos) : 0;
  }

  private char peekAt(int offset) {
    int i = pos + offset;
    return i < src.length() ? src.charAt(i) : 0;
  }

  private boolean startsWith(String s) {
    return src.startsWith(s, pos);
  }

  private void expect(char c) {
    if (atEnd() || peek() != c) {
      throw error("expected '" + (c == '\n' ? "\\n" : String.valueOf(c)) + "'");
    }
    pos++;
  }

  private ShellSyntaxException error(String message) {
    return new ShellSyntaxException(message, pos);
  }
}
