package dev.agentwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key directory on a real file system: private, never overwrites a key, names stay inside it. */
class KeyDirectoryTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void create_writesAPrivateFile_andNeverOverwritesAnExistingKey() throws Exception {
    KeyDirectory keys = KeyDirectory.open(dir.resolve("keys"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.path()))).isEqualTo("rwx------");
    keys.create("k1", bytes("first"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.path().resolve("k1.key"))))
        .isEqualTo("rw-------");
    assertThatThrownBy(() -> keys.create("k1", bytes("second"))).hasFieldOrPropertyWithValue("code", "key_exists");
    assertThat(keys.read("k1")).hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.US_ASCII)).isEqualTo("first"));
    keys.replace("k1", bytes("resealed"));
    assertThat(keys.read("k1")).hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.US_ASCII)).isEqualTo("resealed"));
    try (var files = Files.list(keys.path())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("k1.key");
    }
  }

  @Test
  void delete_removesTheKey_andIsHarmlessTwice() {
    KeyDirectory keys = KeyDirectory.open(dir.resolve("keys"));
    keys.create("k1", bytes("sealed"));
    assertThat(keys.delete("k1")).isTrue();
    assertThat(keys.read("k1")).isEmpty();
    assertThat(keys.delete("k1")).isFalse();
  }

  @Test
  void names_listOnlyKeyFiles_notLeftoverTemporaryFilesOrOthers() throws Exception {
    KeyDirectory keys = KeyDirectory.open(dir.resolve("keys"));
    keys.create("k1", bytes("a"));
    Files.writeString(keys.path().resolve(".k2.tmp-0011"), "half written");
    Files.writeString(keys.path().resolve("notes.txt"), "x");
    assertThat(keys.names()).containsExactly("k1");
  }

  @Test
  void namesThatCouldLeaveTheDirectory_areRefused() {
    KeyDirectory keys = KeyDirectory.open(dir.resolve("keys"));
    for (String bad : new String[] {"../k", "a/b", "a..b", "", ".hidden", "UPPER"}) {
      assertThatThrownBy(() -> keys.read(bad)).as(bad).hasFieldOrPropertyWithValue("code", "invalid_key_name");
    }
  }

  @Test
  void aDirectoryOthersCanUse_orAFile_isRefused() throws Exception {
    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-x---"));
    assertThatThrownBy(() -> KeyDirectory.open(open))
        .hasFieldOrPropertyWithValue("code", "key_directory_unusable").hasMessageContaining("chmod 700");
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> KeyDirectory.open(file)).hasFieldOrPropertyWithValue("code", "key_directory_unusable");
  }
}
