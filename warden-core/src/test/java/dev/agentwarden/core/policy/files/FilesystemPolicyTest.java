package dev.agentwarden.core.policy.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.id.TenantId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FilesystemPolicyTest {
  private final FilesystemPolicy policy =
      FilesystemPolicy.builder()
          .root("/srv/ws/{tenant}")
          .allowRead("**")
          .allowWrite("out/**")
          .allowWrite("notes/*.md")
          .deny("**/.env")
          .deny(".git/**")
          .build();

  @Test
  void defaultPolicy_deniesEverything() {
    Decision d = FilesystemPolicy.denyAll().check(FileAccess.READ, "README.md");
    assertThat(d.denied()).isTrue();
    assertThat(d.ruleId()).isEqualTo("filesystem.default_deny");
  }

  @ParameterizedTest
  @CsvSource(textBlock = """
      READ,  README.md,          filesystem.read[0]
      READ,  ./src//Main.java,   filesystem.read[0]
      WRITE, out/a/b.txt,        filesystem.write[0]
      WRITE, out,                filesystem.write[0]
      WRITE, notes/todo.md,      filesystem.write[1]
      """)
  void matchingGlobs_allowWithTheirRule(FileAccess access, String path, String rule) {
    Decision d = policy.check(access, path);
    assertThat(d.allowed()).as(d.reason()).isTrue();
    assertThat(d.ruleId()).isEqualTo(rule);
  }

  @ParameterizedTest
  @CsvSource(textBlock = """
      WRITE, README.md,           filesystem.default_deny
      WRITE, notes/sub/todo.md,   filesystem.default_deny
      READ,  config/.env,         filesystem.deny[0]
      READ,  .env,                filesystem.deny[0]
      WRITE, .git/config,         filesystem.deny[1]
      READ,  /etc/passwd,         filesystem.path.absolute
      READ,  ../secret,           filesystem.path.traversal
      READ,  a/../../secret,      filesystem.path.traversal
      READ,  ..,                  filesystem.path.traversal
      READ,  ..\\..\\boot.ini,     filesystem.path.backslash
      READ,  %2e%2e%2fetc%2fpasswd, filesystem.path.encoded
      READ,  ..%c0%af..%c0%afetc,  filesystem.path.encoded
      READ,  %uff0e%uff0e%u2215x,  filesystem.path.encoded
      READ,  ~/.ssh/id_rsa,       filesystem.path.home
      READ,  ./,                  filesystem.path.root
      """)
  void refusedPaths_areDeniedWithTheirRule(FileAccess access, String path, String rule) {
    Decision d = policy.check(access, path);
    assertThat(d.denied()).isTrue();
    assertThat(d.ruleId()).as(d.reason()).isEqualTo(rule);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a\u0000b", "a\nb", "x\r"})
  void emptyOrControlCharacters_areDenied(String path) {
    assertThat(policy.check(FileAccess.READ, path).denied()).isTrue();
  }

  @Test
  void normalise_collapsesDotsAndSlashes_orRefuses() {
    assertThat(FilesystemPolicy.normalise("./a//b/./c/")).contains("a/b/c");
    assertThat(FilesystemPolicy.normalise("a/../b")).isEmpty();
  }

  @Test
  void workspaceRoot_isPerTenant() {
    TenantId tenant = TenantId.parse("0b9f3c1e-6a43-4a8e-9d1c-2f0c8e7b5a10");
    assertThat(policy.workspaceRoot(tenant)).isEqualTo("/srv/ws/0b9f3c1e-6a43-4a8e-9d1c-2f0c8e7b5a10");
  }

  @Test
  void invalidGlobsAndRoots_areRejectedNamingTheField() {
    assertThatThrownBy(() -> FilesystemPolicy.builder().allowRead("/etc/**")).hasMessageContaining("filesystem.read[0]");
    assertThatThrownBy(() -> FilesystemPolicy.builder().allowWrite("a/../b")).hasMessageContaining("filesystem.write[0]");
    assertThatThrownBy(() -> FilesystemPolicy.builder().root("relative")).hasMessageContaining("filesystem.root");
  }

  @Test
  void globs_keepSingleStarsWithinOneSegment() {
    FilesystemPolicy p = FilesystemPolicy.builder().allowRead("src/*.java").allowRead("**/*.md").build();
    assertThat(p.check(FileAccess.READ, "src/A.java").allowed()).isTrue();
    assertThat(p.check(FileAccess.READ, "src/x/A.java").denied()).isTrue();
    assertThat(p.check(FileAccess.READ, "README.md").allowed()).isTrue();
    assertThat(p.check(FileAccess.READ, "docs/a/b.md").allowed()).isTrue();
  }
}
