package dev.agentwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Warden.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  private Path policy() throws IOException {
    return Files.writeString(temp.resolve("p.yaml"), """
        name: cli-test
        filesystem:
          read: ["**"]
          write: ["out/**"]
        shell:
          enabled: true
          programs:
            ls: {}
        tools:
          allow:
            - tool: search
              arguments:
                q: {max_length: 5}
        network:
          allow:
            - cidr: 127.0.0.0/8
              schemes: [http]
              ports: ["*"]
        """);
  }

  @Test
  void check_allowedCommand_printsRuleAndExitsZero() throws IOException {
    assertThat(run("policy", "check", "--policy", policy().toString(), "--command", "ls -la")).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).startsWith("allow shell.programs.ls");
  }

  @Test
  void check_deniedActions_exitOne() throws IOException {
    String p = policy().toString();
    assertThat(run("policy", "check", "--policy", p, "--command", "ls; id")).isEqualTo(ExitCodes.REFUSED);
    assertThat(out.toString()).startsWith("deny shell.operator.sequence");
    assertThat(run("policy", "check", "--policy", p, "--path", "src/A.java", "--write")).isEqualTo(ExitCodes.REFUSED);
    assertThat(run("policy", "check", "--policy", p, "--path", "../etc/passwd")).isEqualTo(ExitCodes.REFUSED);
    assertThat(run("policy", "check", "--policy", p, "--tool", "search", "--args", "{\"q\":\"toolong\"}")).isEqualTo(ExitCodes.REFUSED);
    assertThat(run("policy", "check", "--policy", p, "--url", "http://169.254.169.254/latest")).isEqualTo(ExitCodes.REFUSED);
    assertThat(out.toString()).contains("deny network.special_address");
  }

  @Test
  void check_allowedPathToolAndUrl_exitZero() throws IOException {
    String p = policy().toString();
    assertThat(run("policy", "check", "--policy", p, "--path", "out/x.txt", "--write")).isEqualTo(ExitCodes.OK);
    assertThat(run("policy", "check", "--policy", p, "--tool", "search", "--args", "{\"q\":\"abc\"}")).isEqualTo(ExitCodes.OK);
    assertThat(run("policy", "check", "--policy", p, "--url", "http://127.0.0.1:8080/x")).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("connect to 127.0.0.1");
  }

  @Test
  void check_badInput_exitsTwo() throws IOException {
    String p = policy().toString();
    assertThat(run("policy", "check", "--policy", p)).isEqualTo(ExitCodes.USAGE);
    assertThat(run("policy", "check", "--policy", p, "--command", "ls", "--path", "x")).isEqualTo(ExitCodes.USAGE);
    assertThat(run("policy", "check", "--policy", p, "--tool", "search", "--args", "[")).isEqualTo(ExitCodes.USAGE);
    assertThat(run("policy", "check", "--policy", temp.resolve("missing.yaml").toString(), "--command", "ls")).isEqualTo(ExitCodes.USAGE);
    Path bad = Files.writeString(temp.resolve("bad.yaml"), "name: x\nshell: {enabled: yes-please}\n");
    assertThat(run("policy", "check", "--policy", bad.toString(), "--command", "ls")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("shell.enabled");
  }

  private Path corpus(String shellLines, String pathLines) throws IOException {
    Path dir = temp.resolve("corpora");
    Files.createDirectories(dir.resolve("ssrf"));
    Files.createDirectories(dir.resolve("shell"));
    Files.createDirectories(dir.resolve("paths"));
    Files.writeString(dir.resolve("ssrf/dev.jsonl"), """
        {"url": "http://127.0.0.1/", "label": "internal", "category": "loopback", "resolves_to": null, "note": ""}
        {"url": "https://example.org/", "label": "external", "category": "plain", "resolves_to": ["93.184.216.34"], "note": ""}
        """);
    Files.writeString(dir.resolve("shell/dev.jsonl"), shellLines);
    Files.writeString(dir.resolve("paths/dev.jsonl"), pathLines);
    return dir;
  }

  @Test
  void eval_countsPerFile_andPassesOnAGoodCorpus() throws IOException {
    Path dir = corpus("""
        {"command": "ls -la; id", "label": "injection", "technique": "semicolon"}
        {"command": "git status --short", "label": "benign", "technique": "plain_git"}
        """, """
        {"path": "../../../{FILE}", "label": "traversal", "source": "t"}
        {"path": "%2e%2e%2f{FILE}", "label": "traversal", "source": "t"}
        {"path": "inside.txt", "label": "traversal", "source": "t"}
        """);
    assertThat(run("policy", "eval", "--corpus", dir.toString())).as(out + "" + err).isEqualTo(ExitCodes.OK);
    assertThat(out.toString())
        .contains("shell/dev.jsonl: 2 items; injection: 1, allowed 0; benign: 1, allowed 1 (100.0%); PASS")
        .contains("paths/dev.jsonl: 3 items; refused 2, read inside the root 1, read outside the root 0; PASS")
        .contains("ssrf/dev.jsonl: 2 items")
        .contains("corpus evaluation: PASS");
  }

  @Test
  void eval_perItem_printsOneJsonLinePerItem() throws IOException {
    Path dir = corpus("""
        {"command": "ls -la; id", "label": "injection", "technique": "semicolon"}
        """, """
        {"path": "../{FILE}", "label": "traversal", "source": "t"}
        """);
    assertThat(run("policy", "eval", "--corpus", dir.toString(), "--per-item")).isEqualTo(ExitCodes.OK);
    List<JsonNode> items = new ArrayList<>();
    for (String line : out.toString().strip().split("\n")) {
      items.add(JSON.readTree(line));
    }
    assertThat(items).hasSize(4);
    JsonNode shell = items.stream().filter(n -> n.get("file").asText().equals("shell/dev.jsonl")).findFirst().orElseThrow();
    assertThat(shell.get("decision").asText()).isEqualTo("deny");
    assertThat(shell.get("rule").asText()).isEqualTo("shell.operator.sequence");
    assertThat(shell.get("line").asInt()).isEqualTo(1);
    JsonNode path = items.stream().filter(n -> n.get("file").asText().equals("paths/dev.jsonl")).findFirst().orElseThrow();
    assertThat(path.get("read_outside_root").asBoolean()).isFalse();
    assertThat(items.stream().filter(n -> n.has("connected_to")).count()).isEqualTo(2);
  }

  @Test
  void eval_failsWhenABenignCommandIsDenied_orTheCorpusIsMalformed() throws IOException {
    Path dir = corpus("""
        {"command": "rm -rf build", "label": "benign", "technique": "x"}
        """, "");
    assertThat(run("policy", "eval", "--corpus", dir.toString())).isEqualTo(ExitCodes.REFUSED);
    assertThat(out.toString()).contains("FAIL");
    Path broken = corpus("not json\n", "");
    assertThat(run("policy", "eval", "--corpus", broken.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(run("policy", "eval", "--corpus", temp.resolve("none").toString())).isEqualTo(ExitCodes.USAGE);
  }
}
