package dev.agentwarden.core.policy.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentwarden.core.policy.Decision;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random testing of the shell policy against an independent, deliberately simple oracle:
 * a scan that tracks only quote state and says a command must be denied when a shell
 * metacharacter, expansion or control character appears where the shell would act on it. The
 * policy may deny more (unknown programs, hazards), never less. Shared with the Jazzer fuzz test.
 */
class ShellPolicyPropertyTest {
  static final ShellPolicy POLICY =
      ShellPolicy.builder()
          .allowProgram(ProgramRule.builder("ls").build())
          .allowProgram(ProgramRule.builder("echo").build())
          .allowProgram(ProgramRule.builder("cat").build())
          .allowProgram(ProgramRule.builder("git").build())
          .allowProgram(ProgramRule.builder("grep").build())
          .build();

  private static final String UNQUOTED_ACTIVE = ";|&<>()$`\n{}*?[";

  /** Why the shell would do more than run one program with literal arguments, or empty. */
  static boolean oracleSaysDeny(String command) {
    if (command.isBlank()) {
      return true;
    }
    char state = 0; // 0 none, '\'' single, '"' double
    boolean atWordStart = true;
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      boolean wordStartHere = atWordStart;
      atWordStart = state == 0 && " \t\n;|&<>()".indexOf(c) >= 0;
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
        return true;
      }
      if (Character.isHighSurrogate(c) && i + 1 < command.length() && Character.isLowSurrogate(command.charAt(i + 1))) {
        i++;
        continue;
      }
      if (Character.isSurrogate(c)) {
        return true;
      }
      switch (state) {
        case 0 -> {
          if (c == '\\') {
            i++;
            if (i >= command.length()) {
              return true;
            }
            if (command.charAt(i) == '\n') {
              atWordStart = wordStartHere; // a line continuation is removed, nothing more
            }
            if (Character.isHighSurrogate(command.charAt(i)) && i + 1 < command.length()) {
              i++; // the escaped character is a whole code point
            }
          } else if (c == '\'' || c == '"') {
            state = c;
          } else if (c == '~') {
            if (wordStartHere || "=:".indexOf(command.charAt(i - 1)) >= 0) {
              return true;
            }
          } else if (c == '#') {
            // A comment only where a word starts.
            if (wordStartHere) {
              return true;
            }
          } else if (UNQUOTED_ACTIVE.indexOf(c) >= 0) {
            return true;
          } else if (c == '=' && i > 0 && isAssignmentPrefix(command, i)) {
            return true;
          }
        }
        case '\'' -> {
          if (c == '\'') {
            state = 0;
          }
        }
        default -> {
          if (c == '"') {
            state = 0;
          } else if (c == '\\') {
            i++;
            if (i < command.length() && Character.isHighSurrogate(command.charAt(i))) {
              i++;
            }
          } else if (c == '$' || c == '`') {
            return true;
          }
        }
      }
    }
    return state != 0;
  }

  /** {@code NAME=} as the first word: an environment prefix (or a bare assignment). */
  private static boolean isAssignmentPrefix(String command, int eq) {
    String before = command.substring(0, eq).stripLeading();
    return before.matches("[A-Za-z_][A-Za-z0-9_]*");
  }

  /** Checks one input: no exception escapes, and the oracle's denials are denials. */
  static Decision checkOne(String command) {
    Decision d = POLICY.evaluate(command);
    assertThat(d).isNotNull();
    if (oracleSaysDeny(command) && d.allowed()) {
      throw new AssertionError("must deny " + command + " but " + d);
    }
    return d;
  }

  private static final List<String> PROGRAMS = List.of("ls", "echo", "cat", "git", "grep", "id", "sh");
  private static final List<String> PIECES =
      List.of(" ", "  ", "\t", "a", "-la", "--x=y", "src/A.java", "'q;|'", "\"d $x\"", "\"d\"", "\\;", "\\ ", ";", "|", "&",
          "&&", "||", ">", ">>", "<", "<<<", "<<E\nx\nE\n", "$(", ")", "`", "$", "${IFS}", "$'\\x3b'", "(", "{ ", " }", "*",
          "?", "[a]", "~", "#", "\n", "\r", "\u0000", "=", "A=b ", "'", "\"", "\\", "%0a", "..", "/etc/passwd", "-c", "-exec",
          "{a,b}", "<(", ">(", "!", "\u00e9", "\u202e", "\ud83d\ude00", "\ud83d");

  @Test
  void randomCommands_neverCrash_andNeverAllowWhatTheOracleDenies() {
    Random random = new Random(20261123L);
    int allowed = 0;
    for (int n = 0; n < 60_000; n++) {
      StringBuilder b = new StringBuilder();
      if (random.nextInt(4) > 0) {
        b.append(PROGRAMS.get(random.nextInt(PROGRAMS.size())));
      }
      int pieces = random.nextInt(8);
      for (int i = 0; i < pieces; i++) {
        if (random.nextInt(3) == 0) {
          b.append(' ');
        }
        b.append(PIECES.get(random.nextInt(PIECES.size())));
      }
      String command = b.toString();
      if (checkOne(command).allowed()) {
        allowed++;
      }
    }
    // The generator must reach allowed commands too, or the property says nothing.
    assertThat(allowed).isGreaterThan(300);
  }

  @Test
  void randomBytes_neverCrash() {
    Random random = new Random(7L);
    for (int n = 0; n < 20_000; n++) {
      char[] chars = new char[random.nextInt(40)];
      for (int i = 0; i < chars.length; i++) {
        chars[i] = (char) (random.nextInt(8) == 0 ? random.nextInt(0x10000) : 0x20 + random.nextInt(0x5f));
      }
      checkOne(new String(chars));
    }
  }

  @Test
  void oracle_itselfDistinguishesDataFromSyntax() {
    assertThat(oracleSaysDeny("echo 'a;b' \"c|d\" e\\;f")).isFalse();
    assertThat(oracleSaysDeny("echo \"$(id)\"")).isTrue();
    assertThat(oracleSaysDeny("ls; id")).isTrue();
    assertThat(oracleSaysDeny("A=b ls")).isTrue();
    assertThat(oracleSaysDeny("echo 'open")).isTrue();
  }
}
