package dev.agentwarden.sandbox;

import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.files.FileAccess;
import dev.agentwarden.core.policy.files.FilesystemPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One tenant's workspace directory, through which every agent file read and write goes.
 *
 * <p>The policy decides on the normalised relative path; then the file is reached without ever
 * following a symbolic link and without re-resolving a path between check and use: starting
 * from a directory handle on the real root, each component is opened relative to the handle of
 * its parent with {@code O_NOFOLLOW} ({@link SecureDirectoryStream}, i.e. {@code openat}). A
 * symlink anywhere on the way, including one swapped in while the open runs, makes the open
 * fail, so a file outside the root is never opened. After opening, the file's identity (file
 * key: device and inode) is compared with the one checked before opening; a swap in between is
 * refused. Writes go to a fresh temporary file in the same directory handle and are renamed over
 * the target ({@code renameat}), so a reader never sees half a file and a symlink at the target
 * is replaced, never followed.
 *
 * <p>Limits: symlinks inside the workspace are refused even when they point inside it; hard links
 * are not detected (create workspaces on a file system the agent cannot hard-link into); parent
 * directories of a written file are created as needed (see {@link #openDirectory}). Thread-safe.
 */
public final class Workspace {
  /** Largest file read or written when none is given. */
  public static final long DEFAULT_MAX_BYTES = 16L * 1024 * 1024;

  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Decides a file access; a {@link FilesystemPolicy}, or a whole policy's {@code checkFile}. */
  @FunctionalInterface
  public interface FileDecider {
    Decision decide(FileAccess access, String path);
  }

  private final Path root;
  private final FileDecider policy;
  private final long maxBytes;

  private Workspace(Path root, FileDecider policy, long maxBytes) {
    this.root = root;
    this.policy = policy;
    this.maxBytes = maxBytes;
  }

  /** A workspace on an existing directory (resolved once to its real path), with the default size cap. */
  public static Workspace open(Path root, FilesystemPolicy policy) {
    return open(root, policy, DEFAULT_MAX_BYTES);
  }

  public static Workspace open(Path root, FilesystemPolicy policy, long maxBytes) {
    Objects.requireNonNull(policy, "policy");
    return open(root, policy::check, maxBytes);
  }

  /**
   * A workspace whose decisions come from {@code decider} (for example a policy section in report
   * mode). Whatever it decides, only normalised paths are opened, without following symlinks.
   */
  public static Workspace open(Path root, FileDecider decider, long maxBytes) {
    Objects.requireNonNull(decider, "decider");
    FileDecider policy = decider;
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
    }
    Path real;
    try {
      real = root.toRealPath();
    } catch (IOException e) {
      throw new SandboxException("workspace_unavailable", "the workspace root does not exist", e);
    }
    if (!Files.isDirectory(real, NOFOLLOW)) {
      throw new SandboxException("workspace_unavailable", "the workspace root is not a directory");
    }
    return new Workspace(real, policy, maxBytes);
  }

  /** The real path of the root. */
  public Path root() {
    return root;
  }

  /** The decision alone, without touching the disk. */
  public Decision check(FileAccess access, String path) {
    return policy.decide(access, path);
  }

  /** Reads a whole file; throws {@link WorkspaceAccessException} when it may not or cannot. */
  public byte[] read(String path) {
    Decision decision = policy.decide(FileAccess.READ, path);
    if (decision.denied()) {
      throw new WorkspaceAccessException(decision);
    }
    String normalised = FilesystemPolicy.normalise(path).orElseThrow(() -> new WorkspaceAccessException(decision));
    return inParentDirectory(normalised, false, (dir, name) -> readConfined(dir, name, normalised));
  }

  /** Replaces (or creates) a file with {@code content}, creating missing parent directories. */
  public void write(String path, byte[] content) {
    Decision decision = policy.decide(FileAccess.WRITE, path);
    if (decision.denied()) {
      throw new WorkspaceAccessException(decision);
    }
    if (content.length > maxBytes) {
      throw new WorkspaceAccessException(
          Decision.deny("filesystem.too_large", "content is larger than " + maxBytes + " bytes"));
    }
    String normalised = FilesystemPolicy.normalise(path).orElseThrow(() -> new WorkspaceAccessException(decision));
    inParentDirectory(
        normalised,
        true,
        (dir, name) -> {
          writeConfined(dir, name, normalised, content);
          return null;
        });
  }

  @FunctionalInterface
  private interface InDirectory<T extends @Nullable Object> {
    T apply(SecureDirectoryStream<Path> dir, Path name) throws IOException;
  }

  private <T extends @Nullable Object> T inParentDirectory(String normalised, boolean createParents, InDirectory<T> action) {
    String[] segments = normalised.split("/");
    List<DirectoryStream<Path>> opened = new ArrayList<>();
    try {
      DirectoryStream<Path> rootStream = Files.newDirectoryStream(root);
      opened.add(rootStream);
      if (!(rootStream instanceof SecureDirectoryStream<Path> current)) {
        throw new WorkspaceAccessException(
            Decision.deny("filesystem.unsupported_platform", "this platform cannot open files without following symlinks"));
      }
      for (int i = 0; i < segments.length - 1; i++) {
        SecureDirectoryStream<Path> next;
        try {
          next = openDirectory(current, segments, i, createParents);
        } catch (NoSuchFileException e) {
          throw notFound(normalised);
        } catch (NotDirectoryException e) {
          throw refused(normalised, "a component is not a directory");
        } catch (FileSystemException e) {
          // ELOOP: the component is a symbolic link (or was swapped for one).
          throw refused(normalised, "a component is a symbolic link");
        }
        opened.add(next);
        current = next;
      }
      return action.apply(current, Path.of(segments[segments.length - 1]));
    } catch (IOException e) {
      throw new WorkspaceAccessException(
          Decision.deny("filesystem.io_error", "'" + normalised + "' could not be accessed"), e);
    } finally {
      for (int i = opened.size() - 1; i >= 0; i--) {
        try {
          opened.get(i).close();
        } catch (IOException ignored) {
          // Closing a directory handle cannot lose data.
        }
      }
    }
  }

  /**
   * Opens component {@code i} below {@code parent} without following a link. For a write, a
   * missing directory is created first. The JDK has no {@code mkdirat}, so the directory is
   * created by path; if a component was swapped for a symlink at that moment, that mkdir could
   * make one empty directory elsewhere, but the open that follows refuses the link, so nothing is
   * ever written or read through it.
   */
  private SecureDirectoryStream<Path> openDirectory(
      SecureDirectoryStream<Path> parent, String[] segments, int i, boolean create) throws IOException {
    Path name = Path.of(segments[i]);
    try {
      return parent.newDirectoryStream(name, NOFOLLOW);
    } catch (NoSuchFileException missing) {
      if (!create) {
        throw missing;
      }
      try {
        Files.createDirectory(root.resolve(String.join("/", java.util.Arrays.copyOfRange(segments, 0, i + 1))));
      } catch (FileAlreadyExistsException raced) {
        // Another writer made it; open whatever is there, without following links.
      }
      return parent.newDirectoryStream(name, NOFOLLOW);
    }
  }

  private byte[] readConfined(SecureDirectoryStream<Path> dir, Path name, String normalised) throws IOException {
    BasicFileAttributes before;
    try {
      before = attributes(dir, name);
    } catch (NoSuchFileException e) {
      throw notFound(normalised);
    }
    if (before.isSymbolicLink()) {
      throw refused(normalised, "it is a symbolic link");
    }
    if (!before.isRegularFile()) {
      throw refused(normalised, "it is not a regular file");
    }
    if (before.size() > maxBytes) {
      throw tooLarge(normalised);
    }
    SeekableByteChannel channel;
    try {
      channel = dir.newByteChannel(name, Set.of(StandardOpenOption.READ, NOFOLLOW));
    } catch (NoSuchFileException e) {
      throw notFound(normalised);
    } catch (FileSystemException e) {
      throw refused(normalised, "it became a symbolic link while opening");
    }
    try (channel) {
      BasicFileAttributes after = attributes(dir, name);
      if (before.fileKey() == null || !before.fileKey().equals(after.fileKey()) || !after.isRegularFile()) {
        throw refused(normalised, "it was replaced while opening");
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(before.size(), 1 << 20));
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      long total = 0;
      while (channel.read(buffer) >= 0) {
        buffer.flip();
        total += buffer.remaining();
        if (total > maxBytes) {
          throw tooLarge(normalised);
        }
        out.write(buffer.array(), 0, buffer.remaining());
        buffer.clear();
      }
      return out.toByteArray();
    }
  }

  private void writeConfined(SecureDirectoryStream<Path> dir, Path name, String normalised, byte[] content) throws IOException {
    try {
      BasicFileAttributes existing = attributes(dir, name);
      if (existing.isSymbolicLink() || !existing.isRegularFile()) {
        throw refused(normalised, "an existing entry there is not a regular file");
      }
    } catch (NoSuchFileException absent) {
      // A new file.
    }
    Path temporary = Path.of(".warden-" + HexFormat.of().formatHex(randomBytes()) + ".tmp");
    try {
      try (SeekableByteChannel channel =
          dir.newByteChannel(
              temporary,
              Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW, NOFOLLOW),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")))) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      }
      dir.move(temporary, dir, name);
    } catch (FileAlreadyExistsException e) {
      throw refused(normalised, "a temporary name collided");
    } finally {
      try {
        dir.deleteFile(temporary);
      } catch (NoSuchFileException moved) {
        // The rename consumed it.
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
    return dir.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return b;
  }

  private static WorkspaceAccessException notFound(String normalised) {
    return new WorkspaceAccessException(Decision.deny("filesystem.not_found", "'" + normalised + "' does not exist"));
  }

  private static WorkspaceAccessException tooLarge(String normalised) {
    return new WorkspaceAccessException(Decision.deny("filesystem.too_large", "'" + normalised + "' is too large"));
  }

  private static WorkspaceAccessException refused(String normalised, String why) {
    return new WorkspaceAccessException(
        Decision.deny("filesystem.confinement", "'" + normalised + "' was refused: " + why));
  }
}
