package dev.agentwarden.store;

import dev.agentwarden.core.crypto.SealedKeyStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The key directory: the tenants' wrapping keys, one file per key ({@code <name>.key}, mode 0600,
 * in a directory of mode 0700), each already sealed under the master KEK. It is the local
 * stand-in for a KMS and lives outside the database on purpose: a database backup never holds a
 * tenant's key, so destroying the file shreds the tenant in every backup of the database.
 *
 * <p>Safe for several gateway processes sharing the directory: a key is written to a private
 * temporary file, flushed to disk, then linked under its name (which fails if the name exists,
 * so a key is never overwritten by a create) or renamed over the old file (a reseal), and the
 * directory is flushed, so a reader sees a whole old or a whole new file and a key that was
 * reported written survives a crash.
 */
public final class KeyDirectory implements SealedKeyStorage {
  private static final String SUFFIX = ".key";
  private static final Pattern NAME = Pattern.compile("[0-9a-z][0-9a-z.-]{0,127}");
  private static final int MAX_FILE_BYTES = 16 * 1024;
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS = Set.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;

  private KeyDirectory(Path dir) {
    this.dir = dir;
  }

  /**
   * Opens {@code dir}, creating it (mode 0700) if it does not exist.
   *
   * @throws StoreException {@code key_directory_unusable} if it is not a directory, or group or
   *     others may use it (as ssh refuses a private key others can read)
   */
  public static KeyDirectory open(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    try {
      if (!Files.exists(abs)) {
        Files.createDirectories(abs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      if (!Files.isDirectory(abs)) {
        throw new StoreException("key_directory_unusable", "key directory " + abs + " is not a directory");
      }
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(abs);
        if (perms.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
          throw new StoreException("key_directory_unusable", "key directory " + abs
              + " is accessible by group or others (mode " + PosixFilePermissions.toString(perms) + "); run chmod 700 "
              + abs);
        }
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: nothing to check.
      }
      if (!Files.isWritable(abs)) {
        throw new StoreException("key_directory_unusable", "key directory " + abs + " is not writable");
      }
      return new KeyDirectory(abs);
    } catch (IOException e) {
      throw new StoreException("key_directory_unusable",
          "cannot create or read key directory " + abs + ": " + e.getClass().getSimpleName(), e);
    }
  }

  /** The directory. */
  public Path path() {
    return dir;
  }

  @Override
  public String describe() {
    return "key directory " + dir;
  }

  @Override
  public Optional<byte[]> read(String name) {
    Path file = file(name);
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new StoreException("key_directory_unusable", file + " is too large to be a key file (" + size + " bytes)");
      }
      return Optional.of(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure("read", file, e);
    }
  }

  @Override
  public void create(String name, byte[] sealed) {
    Path file = file(name);
    Path temp = writeTemp(name, sealed);
    try {
      try {
        Files.createLink(file, temp);
      } catch (UnsupportedOperationException e) {
        // No hard links here: a rename cannot refuse an existing name, so check first (names are random).
        if (Files.exists(file)) {
          throw new FileAlreadyExistsException(file.toString());
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      }
      syncDirectory();
    } catch (FileAlreadyExistsException e) {
      throw new StoreException("key_exists", "refusing to overwrite key file " + file);
    } catch (IOException e) {
      throw failure("create", file, e);
    } finally {
      deleteQuietly(temp);
    }
  }

  @Override
  public void replace(String name, byte[] sealed) {
    Path file = file(name);
    Path temp = writeTemp(name, sealed);
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory();
    } catch (AtomicMoveNotSupportedException e) {
      throw new StoreException("key_directory_unusable", "key directory " + dir + " cannot rename files atomically", e);
    } catch (IOException e) {
      throw failure("replace", file, e);
    } finally {
      deleteQuietly(temp);
    }
  }

  /**
   * Overwrites the file with zeros and flushes that before unlinking it, so the sealed key does
   * not linger in the freed blocks of a simple file system (copy-on-write file systems and
   * snapshots may keep it anyway: the master KEK still protects such copies).
   */
  @Override
  public boolean delete(String name) {
    Path file = file(name);
    try {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        long size = ch.size();
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(size, MAX_FILE_BYTES));
        while (zeros.hasRemaining()) {
          ch.write(zeros);
        }
        ch.force(true);
      } catch (NoSuchFileException e) {
        return false;
      }
      boolean deleted = Files.deleteIfExists(file);
      syncDirectory();
      return deleted;
    } catch (IOException e) {
      throw failure("destroy", file, e);
    }
  }

  @Override
  public List<String> names() {
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(SUFFIX))
          .map(n -> n.substring(0, n.length() - SUFFIX.length()))
          .filter(n -> NAME.matcher(n).matches())
          .sorted()
          .forEach(out::add);
      return out;
    } catch (IOException e) {
      throw failure("list", dir, e);
    }
  }

  private Path file(String name) {
    if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
      throw new StoreException("invalid_key_name", "not a key name: " + (name == null ? "null" : name.length() + " characters"));
    }
    return dir.resolve(name + SUFFIX);
  }

  private Path writeTemp(String name, byte[] bytes) {
    Path temp = dir.resolve("." + name + ".tmp-" + HexFormat.of().formatHex(randomBytes()));
    try (FileChannel ch = FileChannel.open(temp,
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), OWNER_ONLY_FILE)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
      return temp;
    } catch (IOException e) {
      deleteQuietly(temp);
      throw failure("write", temp, e);
    }
  }

  /** Makes a link, rename or unlink in the directory durable (fsync of the directory itself). */
  private void syncDirectory() throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // A leftover temporary file starts with a dot and is never read as a key.
    }
  }

  private static StoreException failure(String what, Path file, IOException e) {
    return new StoreException("key_directory_unavailable",
        "cannot " + what + " key file " + file + ": " + e.getClass().getSimpleName(), e);
  }

  @Override
  public String toString() {
    return "KeyDirectory[" + dir + "]";
  }
}
