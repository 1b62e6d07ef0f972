package dev.agentwarden.cli;

import dev.agentwarden.core.policy.Policy;
import dev.agentwarden.core.policy.PolicyException;
import dev.agentwarden.core.policy.network.SsrfCorpus;
import dev.agentwarden.core.policy.shell.ShellCorpus;
import dev.agentwarden.sandbox.PathsCorpus;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code warden policy eval}: runs the ssrf, shell and paths corpora. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluates every *.jsonl file in the ssrf/, shell/ and paths/ folders of a corpus directory",
      "and prints per-file counts and rates, or with --per-item one JSON line per item.",
      "ssrf: any public destination allowed, names resolve only through each item's resolves_to;",
      "shell: the committed evaluation policy policies/shell-eval.yaml (or --shell-policy);",
      "paths: each path is really read under a scratch root with canaries planted above it.",
      "Exit 1 when an internal URL, a shell injection or a read outside the root is allowed, or",
      "fewer than 95 % of external/benign items are allowed; 2 on bad input."
    })
final class PolicyEvalCommand implements Callable<Integer> {
  static final String SHELL_POLICY_RESOURCE = "/policies/shell-eval.yaml";

  @Spec CommandSpec spec;

  @Option(names = "--corpus", required = true, paramLabel = "DIR", description = "The corpus directory (with ssrf/, shell/, paths/).")
  Path corpus;

  @Option(names = "--per-item", description = "Print one JSON line per corpus item instead of the per-file counts.")
  boolean perItem;

  @Option(names = "--shell-policy", paramLabel = "FILE", description = "Policy for shell/ (default: the bundled policies/shell-eval.yaml).")
  Path shellPolicyFile;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isDirectory(corpus)) {
      err.println("warden: corpus directory " + corpus + " does not exist");
      return ExitCodes.USAGE;
    }
    Policy shellPolicy;
    try {
      shellPolicy = Policy.parse(shellPolicyText());
    } catch (PolicyException e) {
      err.println("warden: invalid shell evaluation policy: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    boolean pass = true;
    int files = 0;
    try {
      for (Path file : jsonl("ssrf")) {
        List<SsrfCorpus.Item> items = SsrfCorpus.evaluate(name(file), lines(file));
        SsrfCorpus.Summary s = SsrfCorpus.summarise(name(file), items);
        print(out, items.stream().map(SsrfCorpus.Item::toJsonLine), s.toLine());
        pass &= s.passes();
        files++;
      }
      for (Path file : jsonl("shell")) {
        List<ShellCorpus.Item> items =
            ShellCorpus.evaluate(name(file), lines(file), command -> shellPolicy.checkCommand(command).decision());
        ShellCorpus.Summary s = ShellCorpus.summarise(name(file), items);
        print(out, items.stream().map(ShellCorpus.Item::toJsonLine), s.toLine());
        pass &= s.passes();
        files++;
      }
      List<Path> pathFiles = jsonl("paths");
      if (!pathFiles.isEmpty()) {
        try (PathsCorpus paths = PathsCorpus.create(Path.of(System.getProperty("java.io.tmpdir")))) {
          for (Path file : pathFiles) {
            List<PathsCorpus.Item> items = paths.evaluate(name(file), lines(file));
            PathsCorpus.Summary s = PathsCorpus.summarise(name(file), items);
            print(out, items.stream().map(PathsCorpus.Item::toJsonLine), s.toLine());
            pass &= s.passes();
            files++;
          }
        }
      }
    } catch (PolicyException | IllegalArgumentException e) {
      err.println("warden: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (files == 0) {
      err.println("warden: no *.jsonl files under " + corpus + "/{ssrf,shell,paths}");
      return ExitCodes.USAGE;
    }
    if (!perItem) {
      out.println(pass ? "corpus evaluation: PASS" : "corpus evaluation: FAIL");
    }
    return pass ? ExitCodes.OK : ExitCodes.REFUSED;
  }

  private void print(PrintWriter out, Stream<String> itemLines, String summary) {
    if (perItem) {
      itemLines.forEach(out::println);
    } else {
      out.println(summary);
    }
    out.flush();
  }

  private String shellPolicyText() throws IOException {
    if (shellPolicyFile != null) {
      return Files.readString(shellPolicyFile);
    }
    try (InputStream in = PolicyEvalCommand.class.getResourceAsStream(SHELL_POLICY_RESOURCE)) {
      if (in == null) {
        throw new IOException("the bundled " + SHELL_POLICY_RESOURCE + " is missing from the build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private List<Path> jsonl(String folder) throws IOException {
    Path dir = corpus.resolve(folder);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p)).sorted().toList();
    }
  }

  private String name(Path file) {
    return corpus.relativize(file).toString();
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }
}
