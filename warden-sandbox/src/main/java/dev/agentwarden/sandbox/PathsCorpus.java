package dev.agentwarden.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.files.FilesystemPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Evaluates the labelled path-traversal corpus ({@code corpora/paths/*.jsonl}, items {@code {path,
 * label, source}}) by really reading each path through a {@link Workspace} whose policy allows
 * reading everything inside one root. The root sits five directories deep in a scratch
 * directory; a canary file with a random marker is planted in every directory above the root
 * (and {@code {FILE}} in a path is replaced by the canary's name), so a traversal that works finds
 * one. An item has read outside the root when the read returned a canary's content, or when the
 * file it named does not really lie inside the root.
 */
public final class PathsCorpus implements AutoCloseable {
  static final String CANARY_NAME = "warden-canary.txt";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path scratch;
  private final Path root;
  private final String marker;
  private final Workspace workspace;

  private PathsCorpus(Path scratch) throws IOException {
    this.scratch = scratch;
    this.marker = "CANARY-" + UUID.randomUUID();
    this.root = Files.createDirectories(scratch.resolve("w/a/b/c/root"));
    for (Path dir = root.getParent(); dir != null && dir.startsWith(scratch); dir = dir.getParent()) {
      Files.writeString(dir.resolve(CANARY_NAME), marker);
    }
    Files.writeString(root.resolve("inside.txt"), "inside");
    this.workspace = Workspace.open(root, FilesystemPolicy.builder().allowRead("**").build());
  }

  /** Sets up the root and canaries under a new scratch directory inside {@code tempParent}. */
  public static PathsCorpus create(Path tempParent) {
    try {
      return new PathsCorpus(Files.createTempDirectory(tempParent, "warden-paths-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The outcome for one corpus line. */
  public record Item(String file, int line, String label, String path, Decision decision, boolean readOutsideRoot) {
    /** {@code {"file","line","label","decision","rule","read_outside_root"}}. */
    public String toJsonLine() {
      ObjectNode n = JSON.createObjectNode();
      n.put("file", file);
      n.put("line", line);
      n.put("label", label);
      n.put("decision", decision.allowed() ? "allow" : "deny");
      n.put("rule", decision.ruleId());
      n.put("read_outside_root", readOutsideRoot);
      return n.toString();
    }
  }

  /** Counts for one file. */
  public record Summary(String file, int items, int readsInsideRoot, int refused, int readOutsideRoot) {
    public boolean passes() {
      return readOutsideRoot == 0;
    }

    public String toLine() {
      return String.format(
          Locale.ROOT, "%s: %d items; refused %d, read inside the root %d, read outside the root %d; %s",
          file, items, refused, readsInsideRoot, readOutsideRoot, passes() ? "PASS" : "FAIL");
    }
  }

  /** Reads every non-blank line's path; throws {@link IllegalArgumentException} for a malformed line. */
  public List<Item> evaluate(String file, List<String> lines) {
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      JsonNode item;
      try {
        item = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + " is not JSON");
      }
      if (item == null || !item.path("path").isTextual()) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + " needs a string field 'path'");
      }
      String label = item.path("label").isTextual() ? item.get("label").textValue() : "traversal";
      out.add(attempt(file, i + 1, label, item.get("path").textValue()));
    }
    return out;
  }

  private Item attempt(String file, int lineNo, String label, String rawPath) {
    String path = rawPath.replace("{FILE}", CANARY_NAME);
    try {
      byte[] content = workspace.read(path);
      boolean outside = new String(content, StandardCharsets.ISO_8859_1).contains(marker) || !reallyInside(path);
      return new Item(file, lineNo, label, rawPath, workspace.check(dev.agentwarden.core.policy.files.FileAccess.READ, path), outside);
    } catch (WorkspaceAccessException refused) {
      return new Item(file, lineNo, label, rawPath, refused.decision(), false);
    }
  }

  /** Whether the file the path names lies inside the root once every link is resolved. */
  private boolean reallyInside(String path) {
    try {
      return root.resolve(path).toRealPath().startsWith(root);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  public static Summary summarise(String file, List<Item> items) {
    int inside = 0, refused = 0, outside = 0;
    for (Item it : items) {
      if (it.readOutsideRoot()) {
        outside++;
      } else if (it.decision().allowed()) {
        inside++;
      } else {
        refused++;
      }
    }
    return new Summary(file, items.size(), inside, refused, outside);
  }

  /** Deletes the scratch directory. */
  @Override
  public void close() {
    try (Stream<Path> walk = Files.walk(scratch)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
