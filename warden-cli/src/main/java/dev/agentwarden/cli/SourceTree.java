package dev.agentwarden.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The files under a set of paths that a scan should read: directories are walked in name
 * order, honouring every {@code .gitignore} and {@code .wardenignore} on the way down; the
 * {@code .git} directory, symbolic links and binary files are skipped.
 */
final class SourceTree {
  static final long MAX_FILE_BYTES = 32L * 1024 * 1024;

  private SourceTree() {}

  static List<Path> files(List<Path> roots) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path root : roots) {
      if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
        walk(root.normalize(), new ArrayDeque<>(), out);
      } else if (Files.isRegularFile(root)) {
        out.add(root);
      } else {
        throw new IllegalArgumentException("no such file or directory: " + root);
      }
    }
    return out;
  }

  private static void walk(Path dir, Deque<IgnoreRules> inherited, List<Path> out) throws IOException {
    IgnoreRules here = IgnoreRules.read(dir);
    boolean pushed = !here.isEmpty();
    if (pushed) {
      inherited.push(here);
    }
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      stream.forEach(children::add);
    }
    children.sort(null);
    for (Path child : children) {
      if (Files.isSymbolicLink(child)) {
        continue;
      }
      boolean directory = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
      if (directory && child.getFileName().toString().equals(".git")) {
        continue;
      }
      if (ignored(inherited, child, directory)) {
        continue;
      }
      if (directory) {
        walk(child, inherited, out);
      } else if (Files.isRegularFile(child) && Files.size(child) <= MAX_FILE_BYTES && !binary(child)) {
        out.add(child);
      }
    }
    if (pushed) {
      inherited.pop();
    }
  }

  /** The innermost ignore file that has an opinion decides, as git does. */
  private static boolean ignored(Deque<IgnoreRules> rules, Path path, boolean directory) {
    for (IgnoreRules r : rules) {
      Boolean decision = r.decide(path, directory);
      if (decision != null) {
        return decision;
      }
    }
    return false;
  }

  static boolean binary(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(8192);
      for (byte b : head) {
        if (b == 0) {
          return true;
        }
      }
      return false;
    }
  }
}
