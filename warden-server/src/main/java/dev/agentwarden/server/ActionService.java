package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEventType;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.policy.ActionDecision;
import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.Policy;
import dev.agentwarden.core.policy.files.FileAccess;
import dev.agentwarden.sandbox.Workspace;
import dev.agentwarden.sandbox.WorkspaceAccessException;
import dev.agentwarden.store.AuditLog;
import dev.agentwarden.store.StoredPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Agent actions decided by the tenant's {@code default} policy: {@code POST
 * /v1/actions/exec/check} (decision only; execution comes with the sandbox), {@code POST
 * /v1/actions/files/read} and {@code /write} (through a confined {@link Workspace} under
 * {@code <data-dir>/workspaces/<tenant-id>}), and for admins {@code POST
 * /v1/policies/{name}/test}, which decides one action under the newest stored version of any
 * policy without performing it. Every decision is logged.
 */
final class ActionService implements ApiService {
  static final String POLICY = TenantPolicies.DEFAULT;
  private static final long MAX_FILE_BYTES = 5L * 1024 * 1024;

  private final TenantPolicies policies;
  private final Path workspaces;
  private final RequestLog log;
  private final AuditLog audit;

  ActionService(TenantPolicies policies, Path workspaces, RequestLog log, AuditLog audit) {
    this.policies = policies;
    this.workspaces = workspaces;
    this.log = log;
    this.audit = audit;
  }

  record ExecCheck(String command) {
    ExecCheck {
      Fields.require(command, "command");
    }
  }

  record FileRead(String path) {
    FileRead {
      Fields.require(path, "path");
    }
  }

  record FileWrite(String path, String content, Optional<String> encoding) {
    FileWrite {
      Fields.require(path, "path");
      Fields.require(content, "content");
    }
  }

  /** A decision as the API shows it. */
  record DecisionView(
      boolean allowed, String decision, String rule, String reason, String policy, int policyVersion,
      Optional<String> waivedRule) {}

  record FileContent(String path, String content, String encoding, String rule, String policy, int policyVersion) {}

  record FileWritten(String path, int bytes, String rule, String policy, int policyVersion) {}

  @Override
  public void routes(RouteTable t) {
    t.add("POST", "/v1/actions/exec/check", Roles.AGENT, req -> {
      ExecCheck in = req.body(ExecCheck.class);
      TenantPolicies.Loaded loaded = defaultPolicy(req.tenant());
      ActionDecision d = loaded.policy().checkCommand(in.command());
      logDecision(req, "exec_check", loaded.stored(), d.decision(), d.waived());
      return ApiResponse.ok(view(loaded.stored(), d.decision(), d.waived()));
    });
    t.add("POST", "/v1/actions/files/read", Roles.AGENT, req -> {
      FileRead in = req.body(FileRead.class);
      TenantPolicies.Loaded loaded = defaultPolicy(req.tenant());
      ActionDecision d = loaded.policy().checkFile(FileAccess.READ, in.path());
      logDecision(req, "file_read", loaded.stored(), d.decision(), d.waived());
      byte[] bytes;
      try {
        bytes = workspace(req.tenant(), loaded.policy()).read(in.path());
      } catch (WorkspaceAccessException e) {
        throw problem(e);
      }
      Optional<String> text = utf8(bytes);
      return ApiResponse.ok(new FileContent(
          in.path(), text.orElseGet(() -> Base64.getEncoder().encodeToString(bytes)), text.isPresent() ? "utf-8" : "base64",
          d.decision().ruleId(), loaded.stored().name(), loaded.stored().version()));
    });
    t.add("POST", "/v1/actions/files/write", Roles.AGENT, req -> {
      FileWrite in = req.body(FileWrite.class);
      byte[] bytes = switch (in.encoding().orElse("utf-8").toLowerCase(Locale.ROOT)) {
        case "utf-8" -> in.content().getBytes(StandardCharsets.UTF_8);
        case "base64" -> {
          try {
            yield Base64.getDecoder().decode(in.content());
          } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_field", "content is not valid base64");
          }
        }
        default -> throw ApiException.badRequest("invalid_field", "encoding must be utf-8 or base64");
      };
      TenantPolicies.Loaded loaded = defaultPolicy(req.tenant());
      ActionDecision d = loaded.policy().checkFile(FileAccess.WRITE, in.path());
      logDecision(req, "file_write", loaded.stored(), d.decision(), d.waived());
      try {
        workspace(req.tenant(), loaded.policy()).write(in.path(), bytes);
      } catch (WorkspaceAccessException e) {
        throw problem(e);
      }
      return ApiResponse.ok(new FileWritten(in.path(), bytes.length, d.decision().ruleId(), loaded.stored().name(), loaded.stored().version()));
    });
  }

  private TenantPolicies.Loaded defaultPolicy(TenantId tenant) {
    return policies.latest(tenant, POLICY).orElseThrow(() -> ApiException.forbidden("policy_missing",
        "the tenant has no policy named '" + POLICY + "', so no action is allowed"));
  }

  private Workspace workspace(TenantId tenant, Policy policy) {
    Path root = workspaces.resolve(tenant.toString());
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Workspace.open(root, (access, path) -> policy.checkFile(access, path).decision(), MAX_FILE_BYTES);
  }

  private static DecisionView view(StoredPolicy stored, Decision d, Optional<Decision> waived) {
    return new DecisionView(d.allowed(), d.allowed() ? "allow" : "deny", d.ruleId(), d.reason(), stored.name(), stored.version(),
        waived.map(Decision::ruleId));
  }

  private void logDecision(ApiRequest req, String action, StoredPolicy stored, Decision d, Optional<Decision> waived) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("request_id", req.requestId());
    f.put("tenant", req.tenant().toString());
    f.put("key_id", req.principal().keyId().toString());
    f.put("action", action);
    f.put("verdict", d.verdict().name().toLowerCase(Locale.ROOT));
    f.put("rule", d.ruleId());
    f.put("policy", stored.name() + "@" + stored.version());
    waived.ifPresent(w -> f.put("waived_rule", w.ruleId()));
    log.event(d.allowed() ? "info" : "warn", "action_decision", f);
    // The decision is in the tenant's audit chain before the action runs (or is refused).
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("action", action);
    body.put("decision", d.allowed() ? "allow" : "deny");
    body.put("rule", d.ruleId());
    body.put("reason", d.reason());
    body.put("policy", stored.name());
    body.put("policy_version", stored.version());
    body.put("request_id", req.requestId());
    waived.ifPresent(w -> body.put("waived_rule", w.ruleId()));
    audit.append(req.tenant(), req.principal().actor(), AuditEventType.POLICY_DECIDED, body);
  }

  private static ApiException problem(WorkspaceAccessException e) {
    int status = switch (e.code()) {
      case "file_not_found" -> 404;
      case "file_too_large" -> 413;
      case "file_io_error" -> 500;
      default -> 403;
    };
    return new ApiException(status, e.code(), e.getMessage() + " (rule " + e.decision().ruleId() + ")");
  }

  private static Optional<String> utf8(byte[] bytes) {
    try {
      return Optional.of(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }
}
