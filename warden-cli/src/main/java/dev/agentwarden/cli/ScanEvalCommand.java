package dev.agentwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.scan.ContentScanner;
import dev.agentwarden.core.scan.ContentSource;
import dev.agentwarden.core.scan.Finding;
import dev.agentwarden.core.scan.ScanKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code warden scan eval}: runs the scanners over the labelled corpora and prints precision,
 * recall, F1 and false-positive rate per file and per source, checking them against floors.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluates the scanners on labelled corpora: every *.jsonl under DIR/injection,"
          + " DIR/secrets and DIR/unicode.",
      "Exit codes: 0 every figure at or above its floor, 1 a figure below its floor, 2 bad input."
    })
final class ScanEvalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--corpus", required = true, paramLabel = "DIR", description = "The corpora directory.")
  Path corpus;

  @Option(names = "--per-item", description = "Print one JSON line per item instead of the summary.")
  boolean perItem;

  @Option(names = "--floors", paramLabel = "FILE",
      description = "Floors to check (default: scan-floors.properties in the working directory, if present).")
  Path floors;

  private static final Map<String, ScanKind> FOLDERS =
      Map.of("injection", ScanKind.INJECTION, "secrets", ScanKind.SECRETS, "unicode", ScanKind.UNICODE);

  /** Counts of one confusion matrix. */
  static final class Counts {
    int tp;
    int fp;
    int tn;
    int fn;

    void add(boolean positive, boolean flagged) {
      if (positive && flagged) {
        tp++;
      } else if (positive) {
        fn++;
      } else if (flagged) {
        fp++;
      } else {
        tn++;
      }
    }

    int total() {
      return tp + fp + tn + fn;
    }

    double precision() {
      return tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
    }

    double recall() {
      return tp + fn == 0 ? 1.0 : (double) tp / (tp + fn);
    }

    double f1() {
      double p = precision();
      double r = recall();
      return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    double fpr() {
      return fp + tn == 0 ? 0.0 : (double) fp / (fp + tn);
    }
  }

  @Override
  public Integer call() throws IOException {
    if (!Files.isDirectory(corpus)) {
      throw new IllegalArgumentException("corpus directory not found: " + corpus);
    }
    PrintWriter out = spec.commandLine().getOut();
    ObjectMapper mapper = new ObjectMapper();
    ContentScanner scanner = ContentScanner.standard();
    Map<String, Counts> perFile = new LinkedHashMap<>();
    Map<String, Counts> perSource = new LinkedHashMap<>();
    for (String folder : List.of("injection", "secrets", "unicode")) {
      Path dir = corpus.resolve(folder);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      List<Path> files;
      try (Stream<Path> s = Files.list(dir)) {
        files = s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
      }
      ScanKind kind = FOLDERS.get(folder);
      for (Path file : files) {
        String fileKey = folder + "/" + file.getFileName();
        Counts fileCounts = perFile.computeIfAbsent(fileKey, k -> new Counts());
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
          if (lines.get(i).isBlank()) {
            continue;
          }
          JsonNode item = mapper.readTree(lines.get(i));
          String text = item.path("text").asText();
          String label = item.path("label").asText();
          boolean positive = switch (folder) {
            case "injection" -> label.equals("injection");
            case "secrets" -> label.equals("positive");
            default -> label.equals("suspicious");
          };
          ContentScanner.Result r = scanner.scan(text, EnumSet.of(kind), ContentSource.RETRIEVED_DOCUMENT);
          boolean flagged = r.flagged();
          fileCounts.add(positive, flagged);
          String source = item.path("source").asText(item.path("category").asText("unknown"));
          perSource.computeIfAbsent(folder + ":" + source, k -> new Counts()).add(positive, flagged);
          if (perItem) {
            out.println(mapper.writeValueAsString(itemLine(mapper, fileKey, i + 1, label, r, item, text)));
          }
        }
      }
    }
    if (perFile.isEmpty()) {
      throw new IllegalArgumentException("no *.jsonl under " + corpus + "/{injection,secrets,unicode}");
    }
    if (!perItem) {
      out.println("per file:");
      perFile.forEach((k, c) -> out.println(row(k, c)));
      out.println("per source:");
      perSource.forEach((k, c) -> out.println(row(k, c)));
    }
    List<String> failures = checkFloors(perFile);
    for (String f : failures) {
      spec.commandLine().getErr().println("warden: below floor: " + f);
    }
    out.flush();
    return failures.isEmpty() ? ExitCodes.OK : ExitCodes.REFUSED;
  }

  private static ObjectNode itemLine(
      ObjectMapper mapper, String file, int line, String label, ContentScanner.Result r, JsonNode item, String text) {
    ObjectNode o = mapper.createObjectNode();
    o.put("file", file);
    o.put("line", line);
    o.put("label", label);
    o.put("flagged", r.flagged());
    double score = r.injection().map(a -> a.score())
        .orElse(r.findings().stream().mapToDouble(Finding::confidence).max().orElse(0));
    o.put("score", score);
    Set<String> rules = new TreeSet<>();
    r.findings().forEach(f -> rules.add(f.ruleId()));
    r.injection().ifPresent(a -> a.reasons().forEach(reason -> rules.add(reason.replaceAll(" \\(sentence \\d+\\)", ""))));
    rules.forEach(o.putArray("rules")::add);
    JsonNode want = item.get("want");
    if (want != null && want.isArray()) {
      int covered = 0;
      for (JsonNode w : want) {
        String value = w.asText();
        int at = text.indexOf(value);
        boolean hit = false;
        while (at >= 0 && !hit) {
          int s = at;
          int e = at + value.length();
          hit = r.findings().stream().anyMatch(f -> f.start() <= s && f.end() >= e);
          at = text.indexOf(value, at + 1);
        }
        if (hit) {
          covered++;
        }
      }
      o.put("wants_covered", covered);
      o.put("wants", want.size());
    }
    return o;
  }

  private static String row(String key, Counts c) {
    return String.format(Locale.ROOT,
        "  %-42s n=%-5d tp=%-4d fp=%-4d tn=%-4d fn=%-4d precision=%.3f recall=%.3f f1=%.3f fpr=%.3f",
        key, c.total(), c.tp, c.fp, c.tn, c.fn, c.precision(), c.recall(), c.f1(), c.fpr());
  }

  /**
   * Floors are {@code <folder>/<file>.<metric>=<value>} lines; metrics precision, recall and f1
   * are minimums, {@code fpr} is a maximum.
   */
  private List<String> checkFloors(Map<String, Counts> perFile) throws IOException {
    Path file = floors != null ? floors : Path.of("scan-floors.properties");
    if (!Files.isRegularFile(file)) {
      if (floors != null) {
        throw new IllegalArgumentException("floors file not found: " + floors);
      }
      return List.of();
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    List<String> failures = new ArrayList<>();
    for (String key : new TreeSet<>(p.stringPropertyNames())) {
      int dot = key.lastIndexOf('.');
      String target = key.substring(0, dot);
      String metric = key.substring(dot + 1);
      double floor = Double.parseDouble(p.getProperty(key).trim());
      Counts c = perFile.get(target);
      if (c == null) {
        continue;
      }
      double value = switch (metric) {
        case "precision" -> c.precision();
        case "recall" -> c.recall();
        case "f1" -> c.f1();
        case "fpr" -> c.fpr();
        default -> throw new IllegalArgumentException("unknown metric in floors: " + key);
      };
      boolean ok = metric.equals("fpr") ? value <= floor + 1e-9 : value >= floor - 1e-9;
      if (!ok) {
        failures.add(String.format(Locale.ROOT, "%s = %.4f (%s %.4f)", key, value,
            metric.equals("fpr") ? "ceiling" : "floor", floor));
      }
    }
    return failures;
  }
}
