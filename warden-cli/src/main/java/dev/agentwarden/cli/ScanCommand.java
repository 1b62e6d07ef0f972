package dev.agentwarden.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.scan.ContentScanner;
import dev.agentwarden.core.scan.ContentSource;
import dev.agentwarden.core.scan.Finding;
import dev.agentwarden.core.scan.InvalidScanRequestException;
import dev.agentwarden.core.scan.ScanKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code warden scan}: finds secrets, prompt injections and Unicode smuggling in files. */
@Command(
    name = "scan",
    mixinStandardHelpOptions = true,
    subcommands = {ScanEvalCommand.class},
    description = {
      "Scans files, directories (respecting .gitignore and .wardenignore) or stdin ('-') for"
          + " secrets, prompt injections and Unicode smuggling.",
      "Exit codes: 0 clean, 1 findings, 2 bad input."
    })
final class ScanCommand implements Callable<Integer> {
  enum Format { text, json, sarif }

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PATH", description = "Files or directories to scan; '-' or nothing reads stdin.")
  List<String> paths = new ArrayList<>();

  @Option(names = "--format", defaultValue = "text", description = "text, json or sarif (SARIF 2.1.0).")
  Format format;

  @Option(names = "--redact", description = "Print the input with every secret redacted instead of a report.")
  boolean redact;

  @Option(names = "--kinds", split = ",", paramLabel = "KIND",
      description = "Comma-separated: secrets, injection, unicode (default: all).")
  List<String> kinds = new ArrayList<>();

  @Option(names = "--source", defaultValue = "user",
      description = "Trust of the content for injection verdicts: user, tool_output, retrieved_document.")
  String source;

  /** One scanned input and what was found in it. */
  record Scanned(String name, String text, ContentScanner.Result result) {}

  @Override
  public Integer call() throws IOException {
    Set<ScanKind> kindSet = EnumSet.noneOf(ScanKind.class);
    ContentSource contentSource;
    try {
      for (String k : kinds) {
        kindSet.add(ScanKind.fromLabel(k));
      }
      contentSource = ContentSource.fromLabel(source);
    } catch (InvalidScanRequestException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (kindSet.isEmpty()) {
      kindSet = EnumSet.allOf(ScanKind.class);
    }
    ContentScanner scanner = ContentScanner.standard();
    PrintWriter out = spec.commandLine().getOut();
    List<Scanned> scanned = new ArrayList<>();
    if (paths.isEmpty() || paths.equals(List.of("-"))) {
      String text = decode(System.in.readAllBytes(), "stdin");
      scanned.add(new Scanned("-", text, scanner.scan(text, kindSet, contentSource)));
    } else {
      List<Path> roots = paths.stream().map(Path::of).toList();
      for (Path file : SourceTree.files(roots)) {
        String text;
        try (InputStream in = Files.newInputStream(file)) {
          text = decodeLenient(in.readAllBytes());
        }
        scanned.add(new Scanned(file.toString().replace('\\', '/'), text, scanner.scan(text, kindSet, contentSource)));
      }
    }
    boolean flagged = scanned.stream().anyMatch(s -> s.result().flagged());
    if (redact) {
      for (Scanned s : scanned) {
        if (scanned.size() > 1) {
          out.println("==> " + s.name() + " <==");
        }
        out.print(scanner.redactSecrets(s.text()));
      }
    } else {
      switch (format) {
        case text -> text(out, scanned);
        case json -> out.println(json(scanned));
        case sarif -> out.println(sarif(scanned));
      }
    }
    out.flush();
    return flagged ? ExitCodes.REFUSED : ExitCodes.OK;
  }

  static String decode(byte[] bytes, String what) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(what + " is not valid UTF-8");
    }
  }

  /** Files in a tree may be in any encoding; malformed bytes become U+FFFD rather than failing. */
  static String decodeLenient(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void text(PrintWriter out, List<Scanned> scanned) {
    int total = 0;
    for (Scanned s : scanned) {
      LineIndex lines = new LineIndex(s.text());
      for (Finding f : s.result().findings()) {
        out.printf(Locale.ROOT, "%s:%d:%d: %s %s (confidence %.2f): %s%n",
            s.name(), lines.line(f.start()), lines.column(f.start()), f.kind().label(), f.ruleId(),
            f.confidence(), f.description());
        total++;
      }
      s.result().verdict().ifPresent(v -> {
        if (s.result().injection().orElseThrow().flagged()) {
          out.printf(Locale.ROOT, "%s: injection score %.3f, action %s: %s%n",
              s.name(), v.score(), v.action().label(), String.join("; ", v.reasons()));
        }
      });
      if (s.result().injection().map(a -> a.flagged()).orElse(false)) {
        total++;
      }
    }
    out.printf(Locale.ROOT, "%d finding(s) in %d input(s)%n", total, scanned.size());
  }

  private static String json(List<Scanned> scanned) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    ArrayNode inputs = root.putArray("inputs");
    for (Scanned s : scanned) {
      LineIndex lines = new LineIndex(s.text());
      ObjectNode in = inputs.addObject();
      in.put("path", s.name());
      in.put("flagged", s.result().flagged());
      ArrayNode fs = in.putArray("findings");
      for (Finding f : s.result().findings()) {
        ObjectNode o = fs.addObject();
        o.put("kind", f.kind().label());
        o.put("rule", f.ruleId());
        o.put("start", f.start());
        o.put("end", f.end());
        o.put("line", lines.line(f.start()));
        o.put("column", lines.column(f.start()));
        o.put("confidence", f.confidence());
        o.put("description", f.description());
      }
      s.result().verdict().ifPresent(v -> {
        ObjectNode inj = in.putObject("injection");
        inj.put("score", v.score());
        inj.put("flagged", s.result().injection().orElseThrow().flagged());
        inj.put("action", v.action().label());
        inj.put("source", v.source().label());
        ArrayNode reasons = inj.putArray("reasons");
        v.reasons().forEach(reasons::add);
      });
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  private static String sarif(List<Scanned> scanned) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    root.put("version", "2.1.0");
    ObjectNode run = root.putArray("runs").addObject();
    ObjectNode driver = run.putObject("tool").putObject("driver");
    driver.put("name", "warden");
    driver.put("informationUri", "https://agentwarden.dev");
    TreeMap<String, String> rules = new TreeMap<>();
    ArrayNode results = mapper.createArrayNode();
    for (Scanned s : scanned) {
      LineIndex lines = new LineIndex(s.text());
      for (Finding f : s.result().findings()) {
        rules.putIfAbsent(f.ruleId(), f.kind().label() + ": " + f.description());
        ObjectNode r = results.addObject();
        r.put("ruleId", f.ruleId());
        r.put("level", f.confidence() >= 0.8 ? "error" : "warning");
        r.putObject("message").put("text", f.description());
        ObjectNode loc = r.putArray("locations").addObject().putObject("physicalLocation");
        loc.putObject("artifactLocation").put("uri", s.name().equals("-") ? "stdin" : s.name());
        ObjectNode region = loc.putObject("region");
        region.put("startLine", lines.line(f.start()));
        region.put("startColumn", lines.column(f.start()));
        region.put("endLine", lines.line(f.end()));
        region.put("endColumn", lines.column(f.end()));
        r.putObject("properties").put("confidence", f.confidence());
      }
      if (s.result().injection().map(a -> a.flagged()).orElse(false)) {
        var v = s.result().verdict().orElseThrow();
        rules.putIfAbsent("prompt-injection", "injection: text likely carries a prompt injection");
        ObjectNode r = results.addObject();
        r.put("ruleId", "prompt-injection");
        r.put("level", "error");
        r.putObject("message").put("text", "prompt injection (score " + v.score() + "): " + String.join("; ", v.reasons()));
        ObjectNode loc = r.putArray("locations").addObject().putObject("physicalLocation");
        loc.putObject("artifactLocation").put("uri", s.name().equals("-") ? "stdin" : s.name());
        loc.putObject("region").put("startLine", 1);
      }
    }
    ArrayNode ruleArray = driver.putArray("rules");
    rules.forEach((id, text) -> {
      ObjectNode r = ruleArray.addObject();
      r.put("id", id);
      r.putObject("shortDescription").put("text", text);
    });
    run.set("results", results);
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  /** Maps char offsets to 1-based lines and columns. */
  static final class LineIndex {
    private final int[] starts;

    LineIndex(String text) {
      List<Integer> s = new ArrayList<>();
      s.add(0);
      for (int i = 0; i < text.length(); i++) {
        if (text.charAt(i) == '\n') {
          s.add(i + 1);
        }
      }
      starts = s.stream().mapToInt(Integer::intValue).toArray();
    }

    int line(int offset) {
      int idx = java.util.Arrays.binarySearch(starts, offset);
      return (idx >= 0 ? idx : -idx - 2) + 1;
    }

    int column(int offset) {
      return offset - starts[line(offset) - 1] + 1;
    }
  }
}
