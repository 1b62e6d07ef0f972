package dev.agentwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentwarden.core.crypto.SecretValue;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.vault.AllowedHosts;
import dev.agentwarden.core.vault.Injection;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.server.GatewayConfig;
import dev.agentwarden.server.KekSource;
import dev.agentwarden.server.VaultMaintenance;
import dev.agentwarden.store.Tenants;
import dev.agentwarden.store.TestDatabases;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code warden keys} against a real database: status, KEK generation and rotation, data keys. */
@Tag("database")
class KeysCommandTest {
  private static final String SECRET = "sk-keys-cli-0000000000000000Q9";

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run warden(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Warden.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  private String[] with(String url, Path kek, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--database-url", url, "--data-dir", dir.resolve("data").toString(), "--kek-file", kek.toString(),
        "--key-dir", dir.resolve("tenant-keys").toString()));
    return all.toArray(String[]::new);
  }

  @Test
  void generateKek_writesAPrivateFile_andPrintsOnlyTheId() throws Exception {
    Path kek = dir.resolve("kek1");
    Run r = warden("keys", "generate-kek", "--out", kek.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kek))).isEqualTo("rw-------");
    String material = Files.readString(kek).strip();
    assertThat(r.out()).contains("local:").doesNotContain(material);
    assertThat(warden("keys", "generate-kek", "--out", kek.toString()).code()).isEqualTo(ExitCodes.USAGE);
    assertThat(Files.readString(kek).strip()).isEqualTo(material);
  }

  @Test
  void statusRotateKekAndDataKey_keepSecretsReadable_andTheOldKekStopsWorking() throws Exception {
    String url = TestDatabases.createMigrated();
    Path kek1 = dir.resolve("kek1");
    Path kek2 = dir.resolve("kek2");
    assertThat(warden("keys", "generate-kek", "--out", kek1.toString()).code()).isZero();

    GatewayConfig cfg1 = GatewayConfig.from(Map.of("database_url", url, "data_dir", dir.resolve("data").toString(),
        "kek_file", kek1.toString(), "key_dir", dir.resolve("tenant-keys").toString()));
    TenantId t = TenantId.random();
    try (VaultMaintenance m = VaultMaintenance.open(cfg1, KekSource.readFile(kek1), List.of())) {
      m.database().asOperator(tx -> Tenants.create(tx, t, "t"));
      m.vault().create(t, new SecretRef("k"), SecretValue.of(SECRET), AllowedHosts.of(List.of("api.example")),
          Injection.BEARER);
    }

    Run status = warden(with(url, kek1, "keys", "status"));
    assertThat(status.code()).as(status.err()).isEqualTo(ExitCodes.OK);
    assertThat(status.out()).contains(KekSource.readFile(kek1).keyId()).contains(t.toString()).contains("secrets=1")
        .contains("key=tenant-key:" + t + ":").contains("state=ok").contains("sealed_under=" + KekSource.readFile(kek1).keyId());

    Run rotate = warden(with(url, kek1, "keys", "rotate-kek", "--new-kek-file", kek2.toString()));
    assertThat(rotate.code()).as(rotate.err()).isEqualTo(ExitCodes.OK);
    assertThat(rotate.out()).contains("resealed 1 tenant keys");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kek2))).isEqualTo("rw-------");

    Run old = warden(with(url, kek1, "keys", "status"));
    assertThat(old.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(old.err()).contains("which is not configured").contains(KekSource.readFile(kek2).keyId());

    Run data = warden(with(url, kek2, "keys", "rotate-data-key", "--all"));
    assertThat(data.code()).as(data.err()).isEqualTo(ExitCodes.OK);
    assertThat(data.out()).contains("rotated the data key of 1 tenants");

    GatewayConfig cfg2 = GatewayConfig.from(Map.of("database_url", url, "data_dir", dir.resolve("data").toString(),
        "kek_file", kek2.toString(), "key_dir", dir.resolve("tenant-keys").toString()));
    try (VaultMaintenance m = VaultMaintenance.open(cfg2, KekSource.readFile(kek2), List.of())) {
      assertThat(m.vault().broker(t, new SecretRef("k"), "api.example").headerValue()).isEqualTo("Bearer " + SECRET);
    }
    for (Run r : List.of(status, rotate, old, data)) {
      assertThat(r.out() + r.err()).doesNotContain(SECRET).doesNotContain(Files.readString(kek1).strip())
          .doesNotContain(Files.readString(kek2).strip());
    }
  }

  @Test
  void rotateKek_withAnExternalKekAndNoNewFile_isRefused() throws Exception {
    String url = TestDatabases.createMigrated();
    Path kek1 = dir.resolve("kek1");
    warden("keys", "generate-kek", "--out", kek1.toString());
    Run r = warden(with(url, kek1, "keys", "rotate-kek"));
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--new-kek-file is required");
  }

  @Test
  void kekFileReadableByOthers_isRefused() throws Exception {
    Path kek1 = dir.resolve("kek1");
    warden("keys", "generate-kek", "--out", kek1.toString());
    Files.setPosixFilePermissions(kek1, PosixFilePermissions.fromString("rw-r--r--"));
    Run r = warden(with(TestDatabases.createMigrated(), kek1, "keys", "status"));
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("chmod 600");
  }

  @Test
  void status_namesATenantWhoseKeyIsGone_andExitsOne_andAKekWithoutAKeyDirectoryIsRefused() throws Exception {
    String url = TestDatabases.createMigrated();
    Path kek1 = dir.resolve("kek1");
    warden("keys", "generate-kek", "--out", kek1.toString());
    GatewayConfig cfg = GatewayConfig.from(Map.of("database_url", url, "data_dir", dir.resolve("data").toString(),
        "kek_file", kek1.toString(), "key_dir", dir.resolve("tenant-keys").toString()));
    TenantId gone = TenantId.random();
    TenantId kept = TenantId.random();
    try (VaultMaintenance m = VaultMaintenance.open(cfg, KekSource.readFile(kek1), List.of())) {
      for (TenantId t : List.of(gone, kept)) {
        m.database().asOperator(tx -> Tenants.create(tx, t, "t-" + t.value().toString().substring(0, 8)));
        m.vault().create(t, new SecretRef("k"), SecretValue.of(SECRET), AllowedHosts.of(List.of("api.example")),
            Injection.BEARER);
      }
    }
    // As after restoring a backup taken before the tenant was purged: its key is not there.
    try (var files = Files.list(dir.resolve("tenant-keys"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith(gone.toString())).toList()) {
        Files.delete(f);
      }
    }

    Run status = warden(with(url, kek1, "keys", "status"));
    assertThat(status.code()).as(status.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(status.out()).containsPattern(gone + "  key=tenant-key:" + gone + ":[0-9a-f]{16}  state=MISSING")
        .containsPattern(kept + "  key=tenant-key:" + kept + ":[0-9a-f]{16}  state=ok")
        .contains("tenant keys: key directory " + dir.resolve("tenant-keys"));

    Run migrate = warden(with(url, kek1, "keys", "migrate-tenant-keys"));
    assertThat(migrate.code()).as(migrate.err()).isEqualTo(ExitCodes.OK);
    assertThat(migrate.out()).contains("moved 0 tenant keysets");

    Run noKeyDir = warden("keys", "status", "--database-url", url, "--data-dir", dir.resolve("data").toString(),
        "--kek-file", kek1.toString());
    assertThat(noKeyDir.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(noKeyDir.err()).contains("--key-dir");
    for (Run r : List.of(status, migrate, noKeyDir)) {
      assertThat(r.out() + r.err()).doesNotContain(SECRET).doesNotContain(Files.readString(kek1).strip());
    }
  }
}
