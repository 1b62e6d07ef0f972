package dev.agentwarden.core.policy.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.policy.shell.ShellSyntax.AnsiC;
import dev.agentwarden.core.policy.shell.ShellSyntax.BraceGroup;
import dev.agentwarden.core.policy.shell.ShellSyntax.CommandSubstitution;
import dev.agentwarden.core.policy.shell.ShellSyntax.Connective;
import dev.agentwarden.core.policy.shell.ShellSyntax.Expansion;
import dev.agentwarden.core.policy.shell.ShellSyntax.ExpansionKind;
import dev.agentwarden.core.policy.shell.ShellSyntax.Pattern;
import dev.agentwarden.core.policy.shell.ShellSyntax.ProcessSubstitution;
import dev.agentwarden.core.policy.shell.ShellSyntax.Script;
import dev.agentwarden.core.policy.shell.ShellSyntax.Separator;
import dev.agentwarden.core.policy.shell.ShellSyntax.SimpleCommand;
import dev.agentwarden.core.policy.shell.ShellSyntax.Subshell;
import dev.agentwarden.core.policy.shell.ShellSyntax.Tilde;
import dev.agentwarden.core.policy.shell.ShellSyntax.Word;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShellParserTest {

  private static SimpleCommand only(String command) {
    Script script = ShellParser.parse(command);
    assertThat(script.items()).hasSize(1);
    assertThat(script.items().getFirst().body().pipelines()).hasSize(1);
    return (SimpleCommand) script.items().getFirst().body().pipelines().getFirst().commands().getFirst();
  }

  private static List<String> argv(String command) {
    return only(command).words().stream().map(w -> w.literalValue().orElseThrow()).toList();
  }

  @Test
  void quotesAndEscapes_yieldTheWordsTheShellWouldPass() {
    assertThat(argv("grep -E 'foo|bar' src/main.java")).containsExactly("grep", "-E", "foo|bar", "src/main.java");
    assertThat(argv("echo \"a \\\"b\\\" \\$x\" 'it''s' a\\ b")).containsExactly("echo", "a \"b\" $x", "its", "a b");
    assertThat(argv("echo \"\" ''")).containsExactly("echo", "", "");
    assertThat(argv("echo \"#not a comment\"")).containsExactly("echo", "#not a comment");
    assertThat(argv("git commit -m 'line1\nline2'")).containsExactly("git", "commit", "-m", "line1\nline2");
    assertThat(argv("echo a\\\nb")).containsExactly("echo", "ab");
    assertThat(argv("echo '$(id)' \"\\`x\\`\"")).containsExactly("echo", "$(id)", "`x`");
    assertThat(only("echo x$").words().get(1).parts().getLast()).isInstanceOf(Expansion.class);
  }

  @Test
  void operators_buildListsAndPipelines() {
    Script s = ShellParser.parse("a; b && c || d | e & f\ng");
    assertThat(s.items()).extracting(i -> i.separator())
        .containsExactly(Separator.SEQUENCE, Separator.BACKGROUND, Separator.NEWLINE, Separator.END);
    assertThat(s.items().get(1).body().connectives()).containsExactly(Connective.AND, Connective.OR);
    assertThat(s.items().get(1).body().pipelines().get(2).commands()).hasSize(2);
    assertThat(ShellParser.parse("a |& b").items().getFirst().body().pipelines().getFirst().pipesStderr()).isTrue();
    assertThat(ShellParser.parse("ls\t;\tid").items()).hasSize(2);
  }

  @Test
  void redirections_areRecognisedWithDescriptors() {
    SimpleCommand c = only("cmd 2>&1 >>out <in &>all 3<>rw >|f");
    assertThat(c.words()).hasSize(1);
    assertThat(c.redirections()).extracting(r -> r.operator()).containsExactly(">&", ">>", "<", "&>", "<>", ">|");
    assertThat(c.redirections().getFirst().fd()).contains("2");
    assertThat(only("cat README.md <<< $(id)").redirections().getFirst().operator()).isEqualTo("<<<");
  }

  @Test
  void hereDocuments_consumeTheirBodies() {
    Script s = ShellParser.parse("cat <<EOF\nhello $(id)\nEOF\necho done");
    assertThat(s.items()).hasSize(2);
    SimpleCommand cat = (SimpleCommand) s.items().getFirst().body().pipelines().getFirst().commands().getFirst();
    assertThat(cat.redirections().getFirst().hereDoc()).hasValueSatisfying(h -> {
      assertThat(h.body()).isEqualTo("hello $(id)\n");
      assertThat(h.expands()).isTrue();
    });
    Script quoted = ShellParser.parse("cat <<-'E'\n\tx; rm -rf /\n\tE\n");
    assertThat(quoted.items()).hasSize(1);
    assertThatThrownBy(() -> ShellParser.parse("cat <<EOF\nnever closed")).isInstanceOf(ShellSyntaxException.class);
    assertThatThrownBy(() -> ShellParser.parse("cat <<EOF")).isInstanceOf(ShellSyntaxException.class);
  }

  @Test
  void substitutions_areParsedRecursively() {
    Word w = only("echo $(ls $(id)) `whoami` <(a) >(b)").words().get(1);
    assertThat(w.parts().getFirst()).isInstanceOfSatisfying(CommandSubstitution.class, c -> assertThat(c.script().items()).hasSize(1));
    assertThat(only("echo `whoami`").words().get(1).parts().getFirst()).isInstanceOf(CommandSubstitution.class);
    assertThat(only("diff <(a) >(b)").words().get(1).parts().getFirst()).isInstanceOf(ProcessSubstitution.class);
    assertThat(only("echo \"$(id)\"").words().get(1).parts().getFirst()).isInstanceOf(CommandSubstitution.class);
    assertThat(only("echo $((1+2)) ${x:-y} $HOME $1 $@").words().subList(1, 6))
        .allSatisfy(word -> assertThat(word.parts().getFirst()).isInstanceOf(Expansion.class));
    assertThat(((Expansion) only("echo $((1+(2)))").words().get(1).parts().getFirst()).kind()).isEqualTo(ExpansionKind.ARITHMETIC);
  }

  @Test
  void groupsAndSubshells_areCommands() {
    Script s = ShellParser.parse("(cat README.md; id)");
    assertThat(s.items().getFirst().body().pipelines().getFirst().commands().getFirst()).isInstanceOf(Subshell.class);
    Script b = ShellParser.parse("{ grep -r TODO src; id; }");
    assertThat(b.items().getFirst().body().pipelines().getFirst().commands().getFirst()).isInstanceOf(BraceGroup.class);
    assertThatThrownBy(() -> ShellParser.parse("{ ls }")).isInstanceOf(ShellSyntaxException.class);
  }

  @Test
  void ansiC_globs_tilde_andAssignments_areMarked() {
    assertThat(only("cat $'\\x3b' x").words().get(1).parts().getFirst()).isEqualTo(new AnsiC(";"));
    assertThat(only("echo $'a\\'b\\n\\101'").words().get(1).parts().getFirst()).isEqualTo(new AnsiC("a'b\nA"));
    assertThat(only("/???/c?t x").words().getFirst().parts()).hasAtLeastOneElementOfType(Pattern.class);
    assertThat(only("echo {a,b}").words().get(1).parts()).hasAtLeastOneElementOfType(Pattern.class);
    assertThat(only("cat ~/.ssh/id_rsa").words().get(1).parts().getFirst()).isInstanceOf(Tilde.class);
    assertThat(argv("echo a~b")).containsExactly("echo", "a~b");
    SimpleCommand env = only("PATH=/tmp:$PATH LD_PRELOAD=x ls");
    assertThat(env.assignments()).hasSize(2);
    assertThat(env.words()).hasSize(1);
    assertThat(argv("ls a=b")).containsExactly("ls", "a=b");
  }

  @Test
  void comments_areRecorded() {
    assertThat(ShellParser.parse("ls # rm -rf /").hasComment()).isTrue();
    assertThat(ShellParser.parse("echo a#b").hasComment()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "cat README.md\u0000; id", "cat README.md\rid", "ls \u202e#txt", "ls a\u200bb", "ls \u001b[2J", "echo 'unterminated", "echo \"unterminated",
      "echo $(id", "echo `id", "ls |", "ls &&", "| ls", "; ls", "ls ;; x", "(ls", "ls )", "()", "if true; then ls; fi",
      "for i in a; do ls; done", "f() { ls; }", "case x in a) ls;; esac", "[[ -f x ]]", "(( 1 ))", "while :; do :; done",
      "echo ${x", "echo $((1+2)", "ls >", "ls > ;", "echo \\", "cat <<$x\nx\n$x", "function f { ls; }"})
  void unclearInput_isASyntaxError(String command) {
    assertThatThrownBy(() -> ShellParser.parse(command)).isInstanceOf(ShellSyntaxException.class);
  }

  @Test
  void deepNesting_isRefusedNotOverflowed() {
    String deep = "$(".repeat(5000) + "ls" + ")".repeat(5000);
    assertThatThrownBy(() -> ShellParser.parse("echo " + deep)).isInstanceOf(ShellSyntaxException.class);
    String parens = "(".repeat(5000) + "ls" + ")".repeat(5000);
    assertThatThrownBy(() -> ShellParser.parse(parens)).isInstanceOf(ShellSyntaxException.class);
    String ticks = "echo " + "`echo \\".repeat(40) + "`";
    assertThatThrownBy(() -> ShellParser.parse(ticks)).isInstanceOf(ShellSyntaxException.class);
  }
}
