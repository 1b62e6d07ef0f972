package dev.agentwarden.server;

import dev.agentwarden.core.CoreException;
import dev.agentwarden.core.crypto.InsecureSecretAccess;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.crypto.TenantKeyProvider;
import dev.agentwarden.store.KeyDirectory;
import dev.agentwarden.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Where the key-encryption key comes from; never the database. In order:
 *
 * <ol>
 *   <li>{@code --kek-file} / {@code WARDEN_KEK_FILE}: a file holding base64 of 32 bytes, readable
 *       only by its owner (a file readable by group or others is refused, as ssh does);
 *   <li>{@code WARDEN_KEK}: the same base64 text in an environment variable;
 *   <li>quick start only (embedded database): {@code <data_dir>/kek}, generated with mode 0600
 *       on first start.
 * </ol>
 *
 * With an external database one of the first two is required: a KEK generated next to the
 * data would be lost with the host, and with it every secret. The tenants' own keys, which the KEK
 * protects, live in the key directory ({@link #keyDirectory}).
 */
public final class KekSource {
  /** Name of the generated KEK file inside the data directory. */
  public static final String DATA_DIR_FILE = "kek";

  private static final Set<PosixFilePermission> OTHERS = Set.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private KekSource() {}

  /** The KEK and where it came from (for the start-up log line; never the material). */
  public record Loaded(KeyEncryptionKey kek, String origin, boolean generated) {}

  /**
   * Loads the KEK as described above.
   *
   * @param kekFile the configured key file, if any
   * @param envMaterial the value of {@code WARDEN_KEK}, if set
   * @param dataDir the data directory (quick start)
   * @param embedded whether the database is the embedded one
   * @throws KekConfigException when nothing usable is configured or the material is bad
   */
  public static Loaded load(Optional<Path> kekFile, Optional<SecretValue> envMaterial, Path dataDir, boolean embedded) {
    if (kekFile.isPresent() && envMaterial.isPresent()) {
      throw new KekConfigException("set either kek_file (--kek-file) or WARDEN_KEK, not both");
    }
    if (kekFile.isPresent()) {
      return new Loaded(readFile(kekFile.get()), "file " + kekFile.get(), false);
    }
    if (envMaterial.isPresent()) {
      return new Loaded(parse(envMaterial.get(), "WARDEN_KEK"), "environment WARDEN_KEK", false);
    }
    if (!embedded) {
      throw new KekConfigException(
          "an external database needs a key-encryption key: set --kek-file (WARDEN_KEK_FILE) or WARDEN_KEK;"
              + " create one with 'warden keys generate-kek --out FILE'");
    }
    Path file = dataDir.resolve(DATA_DIR_FILE);
    if (Files.exists(file)) {
      return new Loaded(readFile(file), "file " + file, false);
    }
    SecretValue fresh = KeyEncryptionKey.generateLocalMaterial();
    writeNew(file, fresh);
    return new Loaded(parse(fresh, file.toString()), "file " + file, true);
  }

  /** Name of the tenant key directory inside the data directory (quick start only). */
  public static final String DATA_DIR_KEYS = "tenant-keys";

  /**
   * Where the tenants' own keys live ({@code key_dir}): the directory named by {@code --key-dir}
   * / {@code WARDEN_KEY_DIR}; in the quick start (embedded database and the generated {@code
   * <data-dir>/kek}) {@code <data-dir>/tenant-keys}. A configured KEK ({@code --kek-file} or
   * {@code WARDEN_KEK}) requires an explicit key directory: it is the installation's KMS, shared
   * by every gateway process, kept and backed up apart from the database, and a default inside the
   * data directory would put it in the database's backups, where a purge cannot reach it.
   *
   * @throws KekConfigException when a KEK is configured and no key directory is
   */
  public static Path keyDirectory(GatewayConfig config) {
    if (config.keyDir().isPresent()) {
      return config.keyDir().get();
    }
    if (config.kekFile().isPresent() || config.kek().isPresent() || config.databaseUrl().isPresent()) {
      throw new KekConfigException(
          "a configured key-encryption key needs a tenant key directory: set --key-dir (WARDEN_KEY_DIR) to a private"
              + " directory shared by every gateway process, outside the data directory and the database's backups"
              + " (docs/vault.md)");
    }
    return config.dataDir().resolve(DATA_DIR_KEYS);
  }

  /**
   * The tenants' keys in the {@linkplain #keyDirectory key directory}, sealed under {@code kek}
   * (and readable under {@code previous} during a KEK rotation).
   *
   * @throws KekConfigException when the directory is unusable (not private, not a directory)
   */
  public static TenantKeyProvider tenantKeys(
      GatewayConfig config, KeyEncryptionKey kek, java.util.List<KeyEncryptionKey> previous) {
    try {
      return TenantKeyProvider.local(KeyDirectory.open(keyDirectory(config)), kek, previous);
    } catch (StoreException e) {
      throw new KekConfigException(e.getMessage());
    }
  }

  /** Reads a KEK file, refusing one that others may read. */
  public static KeyEncryptionKey readFile(Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new KekConfigException("KEK file " + file + " does not exist or is not a regular file");
      }
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.stream().anyMatch(OTHERS::contains)) {
          throw new KekConfigException(
              "KEK file " + file + " is accessible by group or others (mode "
                  + PosixFilePermissions.toString(perms) + "); run chmod 600 " + file);
        }
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: nothing to check.
      }
      byte[] raw = Files.readAllBytes(file);
      try {
        if (raw.length > 1024) {
          throw new KekConfigException("KEK file " + file + " is too large to be a key (" + raw.length + " bytes)");
        }
        return parse(SecretValue.ofUtf8(raw), "KEK file " + file);
      } finally {
        java.util.Arrays.fill(raw, (byte) 0);
      }
    } catch (IOException e) {
      throw new KekConfigException("cannot read KEK file " + file + ": " + e.getClass().getSimpleName());
    }
  }

  /** Writes fresh key material to a new file with mode 0600; never overwrites. */
  public static void writeNew(Path file, SecretValue material) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, material.reveal(InsecureSecretAccess.get()) + "\n", StandardCharsets.US_ASCII,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (FileAlreadyExistsException e) {
      throw new KekConfigException(file + " already exists; refusing to overwrite a key file");
    } catch (IOException e) {
      throw new KekConfigException("cannot write KEK file " + file + ": " + e.getClass().getSimpleName());
    }
  }

  private static KeyEncryptionKey parse(SecretValue material, String origin) {
    try {
      return KeyEncryptionKey.local(material);
    } catch (CoreException e) {
      throw new KekConfigException(origin + ": " + e.getMessage());
    }
  }

  /** The KEK configuration is missing or unusable; the message names the source, never the key. */
  public static final class KekConfigException extends ApiException {
    private static final long serialVersionUID = 1L;

    public KekConfigException(String message) {
      super(400, "invalid_kek", message);
    }
  }
}
