package dev.agentwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration is validated before anything starts: one clear line and exit code 2. */
class ServeCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Warden.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void badPort_exits2_withOneLineNamingTheSetting() {
    assertThat(run("serve", "--port", "99999")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString().strip()).isEqualTo("warden serve: port must be between 0 and 65535, got 99999");
    assertThat(err.toString().strip().lines()).hasSize(1);
  }

  @Test
  void nonNumericValues_andBadUrls_andBadBinds_exit2() {
    assertThat(run("serve", "--port", "http")).isEqualTo(ExitCodes.USAGE);
    assertThat(run("serve", "--database-url", "mysql://x")).isEqualTo(ExitCodes.USAGE);
    assertThat(run("serve", "--bind", "300.1.1.1")).isEqualTo(ExitCodes.USAGE);
    assertThat(run("serve", "--key-burst", "0")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("port must be an integer").contains("database_url must start with jdbc:postgresql://")
        .contains("bind must be").contains("key_burst must be between");
  }

  @Test
  void passwordsInTheDatabaseUrl_areMaskedInErrors() {
    assertThat(run("serve", "--database-url", "postgres://u:hunter2@db/x")).isEqualTo(ExitCodes.USAGE);
    run("serve", "--database-url", "jdbc:mysql://db/x?password=hunter2");
    assertThat(err.toString()).doesNotContain("hunter2");
  }

  @Test
  void configFile_unknownSettingsAndNestedValues_exit2(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("warden.yaml");
    Files.writeString(cfg, "port: 8081\nno_such_setting: 1\n");
    assertThat(run("serve", "--config", cfg.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("unknown setting 'no_such_setting'");
    Files.writeString(cfg, "port: [1, 2]\n");
    assertThat(run("serve", "--config", cfg.toString())).isEqualTo(ExitCodes.USAGE);
    assertThat(run("serve", "--config", dir.resolve("missing.yaml").toString())).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void flagsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("warden.yaml");
    Files.writeString(cfg, "port: 99999\n");
    // The flag wins, so the file's bad port is never seen; the bad burst from the flag is.
    assertThat(run("serve", "--config", cfg.toString(), "--port", "0", "--key-burst", "-1")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("key_burst").doesNotContain("port must");
  }

  @Test
  void help_listsEveryOptionWithItsEnvironmentVariable() {
    assertThat(run("serve", "--help")).isEqualTo(ExitCodes.OK);
    String help = out.toString();
    for (String env : new String[] {"WARDEN_BIND", "WARDEN_PORT", "WARDEN_DATA_DIR", "WARDEN_DATABASE_URL",
        "WARDEN_OPERATOR_KEY_FILE", "WARDEN_PEPPER_FILE", "WARDEN_MAX_BODY_BYTES", "WARDEN_KEY_BURST"}) {
      assertThat(help).contains(env);
    }
    out.getBuffer().setLength(0);
    assertThat(run("--help")).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("serve");
  }

  @Test
  void unknownOptions_exit2() {
    assertThat(run("serve", "--no-such-flag")).isEqualTo(ExitCodes.USAGE);
    assertThat(run("no-such-command")).isEqualTo(ExitCodes.USAGE);
  }
}
