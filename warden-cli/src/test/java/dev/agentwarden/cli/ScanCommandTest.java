package dev.agentwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScanCommandTest {
  private static final String AWS_KEY = "AKIA" + "Q3EGRIFWWBHB7ZK4";

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Warden.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void cleanTree_exitsZero() throws Exception {
    Files.writeString(dir.resolve("a.txt"), "nothing to see here\n");
    assertThat(run("scan", dir.toString())).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("0 finding(s) in 1 input(s)");
  }

  @Test
  void secretInTree_exitsOneAndNamesFileLineAndRule() throws Exception {
    Files.writeString(dir.resolve("config.env"), "# config\nAWS_KEY=" + AWS_KEY + "\n");
    assertThat(run("scan", "--kinds", "secrets", dir.toString())).isEqualTo(ExitCodes.REFUSED);
    assertThat(out.toString()).contains("config.env:2:9: secrets aws-access-key-id").doesNotContain(AWS_KEY);
  }

  @Test
  void gitignoredAndWardenignoredFiles_areSkipped() throws Exception {
    Files.writeString(dir.resolve(".gitignore"), "build/\n*.log\n");
    Files.writeString(dir.resolve(".wardenignore"), "fixtures/keys.txt\n");
    Files.createDirectories(dir.resolve("build"));
    Files.createDirectories(dir.resolve("fixtures"));
    Files.writeString(dir.resolve("build/out.txt"), AWS_KEY);
    Files.writeString(dir.resolve("app.log"), AWS_KEY);
    Files.writeString(dir.resolve("fixtures/keys.txt"), AWS_KEY);
    Files.writeString(dir.resolve("fixtures/other.txt"), "fine");
    assertThat(run("scan", "--kinds", "secrets", dir.toString())).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("in 3 input(s)");
  }

  @Test
  void sarifOutput_isVersion210WithResults() throws Exception {
    Files.writeString(dir.resolve("k.txt"), "key " + AWS_KEY);
    assertThat(run("scan", "--format", "sarif", "--kinds", "secrets", dir.toString())).isEqualTo(ExitCodes.REFUSED);
    JsonNode sarif = new ObjectMapper().readTree(out.toString());
    assertThat(sarif.path("version").asText()).isEqualTo("2.1.0");
    JsonNode result = sarif.path("runs").get(0).path("results").get(0);
    assertThat(result.path("ruleId").asText()).isEqualTo("aws-access-key-id");
    assertThat(result.at("/locations/0/physicalLocation/region/startColumn").asInt()).isEqualTo(5);
  }

  @Test
  void redact_printsRedactedText() throws Exception {
    Path f = dir.resolve("k.txt");
    Files.writeString(f, "key " + AWS_KEY + "\n");
    run("scan", "--redact", f.toString());
    assertThat(out.toString()).isEqualTo("key AKIA\u2026[REDACTED:aws-access-key-id]\n");
  }

  @Test
  void unknownKind_isBadInput() {
    assertThat(run("scan", "--kinds", "viruses", dir.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("unknown scan kind");
  }

  @Test
  void missingPath_isBadInput() {
    assertThat(run("scan", dir.resolve("nope").toString())).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void eval_reportsMetricsAndFailsBelowFloor() throws Exception {
    Path corpus = dir.resolve("corpora");
    Files.createDirectories(corpus.resolve("secrets"));
    Files.writeString(corpus.resolve("secrets/dev.jsonl"),
        "{\"text\": \"k=" + AWS_KEY + "\", \"label\": \"positive\", \"source\": \"t\", \"want\": [\"" + AWS_KEY + "\"]}\n"
            + "{\"text\": \"hello\", \"label\": \"negative\", \"source\": \"t\"}\n");
    Path floors = dir.resolve("floors.properties");
    Files.writeString(floors, "secrets/dev.jsonl.recall=1.0\nsecrets/dev.jsonl.fpr=0.0\n");
    assertThat(run("scan", "eval", "--corpus", corpus.toString(), "--floors", floors.toString())).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("secrets/dev.jsonl").contains("precision=1.000 recall=1.000 f1=1.000 fpr=0.000");
    Files.writeString(corpus.resolve("secrets/dev.jsonl"),
        "{\"text\": \"nothing\", \"label\": \"positive\", \"source\": \"t\"}\n", java.nio.file.StandardOpenOption.APPEND);
    assertThat(run("scan", "eval", "--corpus", corpus.toString(), "--floors", floors.toString())).isEqualTo(ExitCodes.REFUSED);
    assertThat(err.toString()).contains("below floor: secrets/dev.jsonl.recall");
  }

  @Test
  void evalPerItem_printsOneJsonLinePerItemWithWants() throws Exception {
    Path corpus = dir.resolve("corpora");
    Files.createDirectories(corpus.resolve("secrets"));
    Files.writeString(corpus.resolve("secrets/dev.jsonl"),
        "{\"text\": \"k=" + AWS_KEY + "\", \"label\": \"positive\", \"source\": \"t\", \"want\": [\"" + AWS_KEY + "\"]}\n");
    assertThat(run("scan", "eval", "--corpus", corpus.toString(), "--per-item", "--floors", dir.resolve("none").toString()))
        .isEqualTo(ExitCodes.USAGE);
    out.getBuffer().setLength(0);
    Files.writeString(dir.resolve("empty.properties"), "");
    assertThat(run("scan", "eval", "--corpus", corpus.toString(), "--per-item", "--floors", dir.resolve("empty.properties").toString()))
        .isEqualTo(ExitCodes.OK);
    JsonNode line = new ObjectMapper().readTree(out.toString().strip());
    assertThat(line.path("file").asText()).isEqualTo("secrets/dev.jsonl");
    assertThat(line.path("line").asInt()).isEqualTo(1);
    assertThat(line.path("flagged").asBoolean()).isTrue();
    assertThat(line.path("rules").get(0).asText()).isEqualTo("aws-access-key-id");
    assertThat(line.path("wants_covered").asInt()).isEqualTo(1);
    assertThat(line.path("wants").asInt()).isEqualTo(1);
  }
}
