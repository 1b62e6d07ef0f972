package dev.agentwarden.sandbox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentwarden.core.policy.files.FilesystemPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkspaceTest {
  private static final String CANARY = "CANARY-outside-the-root";

  @TempDir Path temp;
  private Path root;
  private Path outside;
  private Workspace workspace;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectories(temp.resolve("a/b/c/root"));
    outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("canary.txt"), CANARY);
    // A canary in every ancestor of the root, so any '..' that works would find one.
    for (Path p = root.getParent(); p.startsWith(temp); p = p.getParent()) {
      Files.writeString(p.resolve("canary.txt"), CANARY);
    }
    Files.writeString(root.resolve("README.md"), "hello");
    Files.createDirectories(root.resolve("src"));
    Files.writeString(root.resolve("src/Main.java"), "class Main {}");
    Files.createDirectories(root.resolve("out"));
    FilesystemPolicy policy = FilesystemPolicy.builder().allowRead("**").allowWrite("out/**").deny("**/.env").build();
    workspace = Workspace.open(root, policy, 1024);
  }

  @Test
  void allowedRead_returnsTheFile() {
    assertThat(new String(workspace.read("README.md"), UTF_8)).isEqualTo("hello");
    assertThat(new String(workspace.read("./src//Main.java"), UTF_8)).isEqualTo("class Main {}");
  }

  @Test
  void allowedWrite_replacesAtomically_andDeniedWriteLeavesNothing() throws IOException {
    workspace.write("out/result.txt", "one".getBytes(UTF_8));
    workspace.write("out/result.txt", "two".getBytes(UTF_8));
    assertThat(Files.readString(root.resolve("out/result.txt"))).isEqualTo("two");
    assertThatThrownBy(() -> workspace.write("README.md", new byte[1]))
        .isInstanceOfSatisfying(WorkspaceAccessException.class, e -> assertThat(e.decision().ruleId()).isEqualTo("filesystem.default_deny"));
    assertThat(Files.readString(root.resolve("README.md"))).isEqualTo("hello");
    try (var files = Files.list(root.resolve("out"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("result.txt");
    }
  }

  @Test
  void write_createsMissingParentDirectories_insideTheRoot() throws IOException {
    workspace.write("out/new/deep/x.txt", "x".getBytes(UTF_8));
    assertThat(Files.readString(root.resolve("out/new/deep/x.txt"))).isEqualTo("x");
    assertThat(Files.isSymbolicLink(root.resolve("out/new"))).isFalse();
  }

  @Test
  void writeThroughSymlinkedDirectory_isRefused_andCreatesNothingOutside() throws IOException {
    Files.createSymbolicLink(root.resolve("out/escape"), outside);
    assertThatThrownBy(() -> workspace.write("out/escape/evil.txt", "x".getBytes(UTF_8)))
        .isInstanceOfSatisfying(WorkspaceAccessException.class, e -> assertThat(e.decision().ruleId()).isEqualTo("filesystem.confinement"));
    assertThat(outside.resolve("evil.txt")).doesNotExist();
  }

  @Test
  void writeOverSymlink_isRefused_andTheTargetOutsideIsUntouched() throws IOException {
    Files.createSymbolicLink(root.resolve("out/link.txt"), outside.resolve("canary.txt"));
    assertThatThrownBy(() -> workspace.write("out/link.txt", "x".getBytes(UTF_8))).isInstanceOf(WorkspaceAccessException.class);
    assertThat(Files.readString(outside.resolve("canary.txt"))).isEqualTo(CANARY);
  }

  @Test
  void symlinks_areNeverFollowed() throws IOException {
    Files.createSymbolicLink(root.resolve("leak.txt"), outside.resolve("canary.txt"));
    Files.createSymbolicLink(root.resolve("dir"), outside);
    assertThatThrownBy(() -> workspace.read("leak.txt")).isInstanceOf(WorkspaceAccessException.class);
    assertThatThrownBy(() -> workspace.read("dir/canary.txt"))
        .isInstanceOfSatisfying(WorkspaceAccessException.class, e -> assertThat(e.decision().ruleId()).isEqualTo("filesystem.confinement"));
  }

  @Test
  void missingLargeAndSpecialFiles_areRefusedWithTheirRule() throws IOException {
    assertThatThrownBy(() -> workspace.read("nope.txt"))
        .isInstanceOfSatisfying(WorkspaceAccessException.class, e -> assertThat(e.code()).isEqualTo("file_not_found"));
    Files.write(root.resolve("big.bin"), new byte[2048]);
    assertThatThrownBy(() -> workspace.read("big.bin"))
        .isInstanceOfSatisfying(WorkspaceAccessException.class, e -> assertThat(e.code()).isEqualTo("file_too_large"));
    assertThatThrownBy(() -> workspace.read("src")).isInstanceOf(WorkspaceAccessException.class);
    assertThatThrownBy(() -> workspace.write("out/x", new byte[2048])).isInstanceOf(WorkspaceAccessException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "../canary.txt", "../../canary.txt", "../../../../outside/canary.txt", "/etc/passwd",
      "%2e%2e/canary.txt", "..%2fcanary.txt", "%2e%2e%2fcanary.txt", "..%252fcanary.txt", "..%c0%afcanary.txt",
      "..\\canary.txt", "....//canary.txt", "..;/canary.txt", "%uff0e%uff0e%u2215canary.txt",
      "/..%c0%af../canary.txt", "C:\\boot.ini", "C:/boot.ini", "~/canary.txt", "src/../../canary.txt",
      "\uff0e\uff0e/canary.txt", "..\u2215canary.txt", "./../canary.txt", "src/./../../canary.txt"})
  void traversalForms_neverReadOutsideTheRoot(String path) {
    try {
      byte[] content = workspace.read(path);
      assertThat(new String(content, UTF_8)).doesNotContain(CANARY);
    } catch (WorkspaceAccessException denied) {
      assertThat(denied.decision().denied()).isTrue();
    }
  }

  @Test
  void directorySwappedForSymlinkDuringReads_neverYieldsTheCanary() throws Exception {
    Path real = Files.createDirectories(root.resolve("real"));
    Files.writeString(real.resolve("canary.txt"), "inside");
    Path swapped = root.resolve("d");
    AtomicBoolean stop = new AtomicBoolean();
    Thread flipper =
        Thread.ofPlatform().start(() -> {
          while (!stop.get()) {
            try {
              Files.move(real, swapped, StandardCopyOption.ATOMIC_MOVE);
              Files.move(swapped, real, StandardCopyOption.ATOMIC_MOVE);
              Files.createSymbolicLink(swapped, outside);
              Files.delete(swapped);
            } catch (IOException e) {
              // A reader may hold the name for a moment; keep flipping.
            }
          }
        });
    try {
      for (int i = 0; i < 20_000; i++) {
        try {
          String content = new String(workspace.read("d/canary.txt"), UTF_8);
          assertThat(content).isEqualTo("inside");
        } catch (WorkspaceAccessException refused) {
          assertThat(refused.decision().denied()).isTrue();
        }
      }
    } finally {
      stop.set(true);
      flipper.join();
    }
  }

  @Test
  void fileSwappedForSymlinkDuringReads_neverYieldsTheCanary() throws Exception {
    Path file = root.resolve("f.txt");
    Path staged = root.resolve("staged.txt");
    Path link = root.resolve("link.tmp");
    Files.writeString(staged, "inside");
    AtomicBoolean stop = new AtomicBoolean();
    Thread flipper =
        Thread.ofPlatform().start(() -> {
          while (!stop.get()) {
            try {
              Files.copy(staged, file, StandardCopyOption.REPLACE_EXISTING);
              Files.deleteIfExists(link);
              Files.createSymbolicLink(link, outside.resolve("canary.txt"));
              Files.move(link, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
              // keep flipping
            }
          }
        });
    try {
      for (int i = 0; i < 20_000; i++) {
        try {
          assertThat(new String(workspace.read("f.txt"), UTF_8)).doesNotContain(CANARY);
        } catch (WorkspaceAccessException refused) {
          assertThat(refused.decision().denied()).isTrue();
        }
      }
    } finally {
      stop.set(true);
      flipper.join();
    }
  }
}
