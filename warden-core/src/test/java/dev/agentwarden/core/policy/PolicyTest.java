package dev.agentwarden.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentwarden.core.policy.files.FileAccess;
import dev.agentwarden.core.policy.network.IpAddress;
import dev.agentwarden.core.policy.network.Resolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String FULL = """
      name: coding-agent
      version: 3
      description: what a coding agent may do
      network:
        allow:
          - host: api.github.com
      filesystem:
        read: ["**"]
        write: ["out/**"]
        deny: ["**/.env"]
      shell:
        enabled: true
        operators: [pipe]
        programs:
          ls: {}
          grep: {}
          git:
            subcommands:
              status: {}
      tools:
        mode: report
        allow:
          - tool: github.search_issues
            arguments:
              query: {max_length: 100}
      """;

  @Test
  void fullDocument_compilesToOneDecisionFunctionPerAction() throws Exception {
    Policy p = Policy.parse(FULL);
    assertThat(p.name()).isEqualTo("coding-agent");
    assertThat(p.version()).hasValue(3);
    assertThat(p.mode(Policy.Section.SHELL)).isEqualTo(Policy.Mode.ENFORCE);
    assertThat(p.mode(Policy.Section.TOOLS)).isEqualTo(Policy.Mode.REPORT);
    Resolver github = Resolver.fixed(Map.of("api.github.com", List.of(IpAddress.parse("140.82.112.6").orElseThrow())));
    assertThat(p.checkUrl("GET", "https://api.github.com/repos", github).allowed()).isTrue();
    assertThat(p.checkUrl("GET", "https://evil.example/", github).allowed()).isFalse();
    assertThat(p.checkFile(FileAccess.READ, "src/A.java").allowed()).isTrue();
    assertThat(p.checkFile(FileAccess.WRITE, "src/A.java").allowed()).isFalse();
    assertThat(p.checkCommand("ls | grep x").allowed()).isTrue();
    assertThat(p.checkCommand("git push").decision().ruleId()).isEqualTo("shell.argument.subcommand_not_allowed");
    ActionDecision tool = p.checkTool("bot", "github.delete_repo", JSON.createObjectNode());
    assertThat(tool.allowed()).isTrue();
    assertThat(tool.decision().ruleId()).isEqualTo("tools.report_mode");
    assertThat(tool.waived()).hasValueSatisfying(w -> assertThat(w.ruleId()).isEqualTo("tools.default_deny"));
  }

  @Test
  void jsonDocuments_areAcceptedToo_andEmptySectionsDenyEverything() throws Exception {
    Policy p = Policy.parse("{\"name\": \"empty\"}");
    assertThat(p.checkCommand("ls").decision().ruleId()).isEqualTo("shell.disabled");
    assertThat(p.checkFile(FileAccess.READ, "a").decision().ruleId()).isEqualTo("filesystem.default_deny");
    assertThat(p.checkTool("a", "t", JSON.createObjectNode()).allowed()).isFalse();
    assertThat(p.checkUrl("GET", "https://example.com/", Resolver.none()).allowed()).isFalse();
  }

  @Test
  void reportMode_waivesAllowlistDenials_butNotGuards() {
    Policy p = Policy.parse("""
        name: watch
        mode: report
        filesystem: {read: []}
        shell: {enabled: true}
        """);
    ActionDecision file = p.checkFile(FileAccess.READ, "a.txt");
    assertThat(file.allowed()).isTrue();
    assertThat(file.waived()).isPresent();
    assertThat(p.checkFile(FileAccess.READ, "../etc/passwd").allowed()).isFalse();
    assertThat(p.checkCommand("rm -rf x").allowed()).isTrue();
    assertThat(p.checkCommand("echo 'unterminated").allowed()).isFalse();
    assertThat(p.mode(Policy.Section.NETWORK)).isEqualTo(Policy.Mode.REPORT);
  }

  @ParameterizedTest
  @CsvSource(delimiterString = " => ", textBlock = """
      name: x\\nsurprise: 1 => policy has unknown key 'surprise'
      version: 1 => name is required
      name: Bad Name => name 'Bad Name'
      name: x\\nversion: 0 => version must be a positive integer
      name: x\\nmode: audit => mode 'audit' must be 'enforce' or 'report'
      name: x\\nshell: {enabled: true, programs: {ls: {optons: []}}} => shell.programs.ls has unknown key 'optons'
      name: x\\nshell: {enabled: true, programs: {tar: {options: [x]}}} => shell.programs.tar.options
      name: x\\nshell: {enabled: true, programs: {'/bin/ls': {}}} => shell.programs./bin/ls
      name: x\\nshell: {enabled: true, operators: [semicolon]} => shell.operators[0]
      name: x\\nshell: {programs: {ls: {}}} => shell.enabled must be true
      name: x\\nfilesystem: {read: ['/etc/**']} => filesystem.read[0]
      name: x\\nfilesystem: {root: /etc} => filesystem has unknown key 'root'
      name: x\\ntools: {allow: [{tool: t, arguments: {q: {pattern: '('}}}]} => tools.allow[0].arguments.q.pattern
      name: x\\ntools: {allow: [{tool: t, arguments: {u: {hosts: ['http://x']}}}]} => tools.allow[0].arguments.u.hosts
      name: x\\nnetwork: {allow: [{host: a.example, cidr: 10.0.0.0/8}]} => network.allow[0]
      name: x\\nname: y => Duplicate field 'name'
      'name: [unclosed' => not valid YAML
      """)
  void invalidDocuments_areRejectedNamingTheField(String yaml, String message) {
    assertThatThrownBy(() -> Policy.parse(yaml.replace("\\n", "\n")))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining(message);
  }

  @Test
  void committedShellEvaluationPolicy_compilesAndMatchesTheCorpusSemantics() throws Exception {
    Policy p = Policy.parse(Files.readString(Path.of("..", "policies", "shell-eval.yaml")));
    assertThat(p.name()).isEqualTo("shell-eval");
    for (String benign : List.of("ls -la", "git status --short", "git log --oneline -n 5", "tar tzf build.tgz",
        "mvn -q test", "npm test", "git config --get user.name", "git commit -m 'line1\nline2'",
        "find . -name \"*.java\" -print", "grep -E 'foo|bar' src/main.java")) {
      assertThat(p.checkCommand(benign).allowed()).as(benign).isTrue();
    }
    for (String injection : List.of("ls; id", "ls | sh", "find . -exec sh -c id \\;", "git -c core.pager=sh log",
        "tar -xf a.tar --checkpoint-action=exec=sh", "curl -o x http://e", "mvn exec:exec", "git push",
        "env ls", "cat -- -n /etc/passwd", "npm exec x")) {
      assertThat(p.checkCommand(injection).allowed()).as(injection).isFalse();
    }
  }
}
