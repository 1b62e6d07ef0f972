package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.crypto.InsecureSecretAccess;
import dev.agentwarden.core.crypto.KeyEncryptionKey;
import dev.agentwarden.core.crypto.SecretValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KekSourceTest {
  @TempDir Path dir;

  @Test
  void quickStart_generatesAPrivateKekFileOnce_andReusesIt() throws Exception {
    KekSource.Loaded first = KekSource.load(Optional.empty(), Optional.empty(), dir, true);
    Path file = dir.resolve("kek");
    assertThat(first.generated()).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    KekSource.Loaded second = KekSource.load(Optional.empty(), Optional.empty(), dir, true);
    assertThat(second.generated()).isFalse();
    assertThat(second.kek().keyId()).isEqualTo(first.kek().keyId());
    assertThat(first.origin()).doesNotContain(Files.readString(file).strip());
  }

  @Test
  void externalDatabase_withoutAConfiguredKek_isRefused_andGeneratesNothing() {
    assertThatThrownBy(() -> KekSource.load(Optional.empty(), Optional.empty(), dir, false))
        .isInstanceOf(KekSource.KekConfigException.class)
        .hasMessageContaining("--kek-file");
    assertThat(dir.resolve("kek")).doesNotExist();
  }

  @Test
  void environmentMaterial_isUsed_andBothSourcesAtOnceAreRefused() {
    SecretValue material = KeyEncryptionKey.generateLocalMaterial();
    KekSource.Loaded env = KekSource.load(Optional.empty(), Optional.of(material), dir, false);
    assertThat(env.kek().keyId()).isEqualTo(KeyEncryptionKey.local(material).keyId());
    assertThatThrownBy(() -> KekSource.load(Optional.of(dir.resolve("k")), Optional.of(material), dir, false))
        .hasMessageContaining("not both");
  }

  @Test
  void badFiles_areRefusedWithoutEchoingTheirContent() throws Exception {
    Path open = dir.resolve("open");
    KekSource.writeNew(open, KeyEncryptionKey.generateLocalMaterial());
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r-----"));
    assertThatThrownBy(() -> KekSource.readFile(open)).hasMessageContaining("chmod 600");

    Path shortKey = dir.resolve("short");
    KekSource.writeNew(shortKey, SecretValue.of("c2hvcnQta2V5LW1hdGVyaWFs"));
    assertThatThrownBy(() -> KekSource.readFile(shortKey))
        .hasMessageContaining("32 bytes")
        .hasMessageNotContaining("c2hvcnQta2V5LW1hdGVyaWFs");

    assertThatThrownBy(() -> KekSource.readFile(dir.resolve("missing"))).hasMessageContaining("does not exist");
    SecretValue m = KeyEncryptionKey.generateLocalMaterial();
    KekSource.writeNew(dir.resolve("once"), m);
    assertThatThrownBy(() -> KekSource.writeNew(dir.resolve("once"), KeyEncryptionKey.generateLocalMaterial()))
        .hasMessageContaining("refusing to overwrite");
    assertThat(Files.readString(dir.resolve("once")).strip()).isEqualTo(m.reveal(InsecureSecretAccess.get()));
  }

  @Test
  void keyDirectory_isRequiredWithAConfiguredKek_andDefaultsIntoTheDataDirOnlyInTheQuickStart() throws Exception {
    Path kek = dir.resolve("kek-file");
    KekSource.writeNew(kek, KeyEncryptionKey.generateLocalMaterial());
    GatewayConfig withKek = GatewayConfig.from(java.util.Map.of("data_dir", dir.toString(), "kek_file", kek.toString()));
    assertThatThrownBy(() -> KekSource.keyDirectory(withKek))
        .isInstanceOf(KekSource.KekConfigException.class).hasMessageContaining("--key-dir");
    GatewayConfig external = GatewayConfig.from(java.util.Map.of("data_dir", dir.toString(),
        "database_url", "jdbc:postgresql://db.example/warden"));
    assertThatThrownBy(() -> KekSource.keyDirectory(external)).hasMessageContaining("WARDEN_KEY_DIR");
    GatewayConfig quickStart = GatewayConfig.from(java.util.Map.of("data_dir", dir.toString()));
    assertThat(KekSource.keyDirectory(quickStart)).isEqualTo(dir.resolve("tenant-keys"));
    GatewayConfig explicit = GatewayConfig.from(java.util.Map.of("data_dir", dir.toString(), "kek_file", kek.toString(),
        "key_dir", dir.resolve("keys").toString()));
    assertThat(KekSource.keyDirectory(explicit)).isEqualTo(dir.resolve("keys"));

    Path shared = Files.createDirectory(dir.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwx---"));
    GatewayConfig open = GatewayConfig.from(java.util.Map.of("data_dir", dir.toString(), "kek_file", kek.toString(),
        "key_dir", shared.toString()));
    assertThatThrownBy(() -> KekSource.tenantKeys(open, KekSource.readFile(kek), java.util.List.of()))
        .isInstanceOf(KekSource.KekConfigException.class).hasMessageContaining("chmod 700");
  }
}
