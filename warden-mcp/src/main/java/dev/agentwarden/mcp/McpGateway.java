package dev.agentwarden.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.agentwarden.core.approval.Actor;
import dev.agentwarden.core.approval.Approval;
import dev.agentwarden.core.approval.ApprovalException;
import dev.agentwarden.core.approval.ApprovalGate;
import dev.agentwarden.core.approval.ApprovalPayload;
import dev.agentwarden.core.approval.ApprovalPolicy;
import dev.agentwarden.core.approval.ApprovalRule;
import dev.agentwarden.core.approval.ApprovalStatus;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.json.CanonicalJson;
import dev.agentwarden.core.policy.ActionDecision;
import dev.agentwarden.core.policy.Policy;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.core.scan.ContentScanner;
import dev.agentwarden.core.scan.ContentSource;
import dev.agentwarden.core.scan.Finding;
import dev.agentwarden.core.scan.ScanKind;
import dev.agentwarden.core.scan.injection.Action;
import dev.agentwarden.core.scan.injection.InjectionPolicy;
import dev.agentwarden.core.scan.injection.InjectionSettings;
import dev.agentwarden.core.scan.injection.UntrustedContent;
import dev.agentwarden.core.trust.EvidenceKind;
import dev.agentwarden.core.trust.TrustRule;
import dev.agentwarden.core.trust.TrustSubject;
import dev.agentwarden.core.vault.BrokeredSecret;
import dev.agentwarden.core.vault.SecretRef;
import dev.agentwarden.egress.EgressClient;
import dev.agentwarden.store.Agent;
import dev.agentwarden.store.Agents;
import dev.agentwarden.store.Approvals;
import dev.agentwarden.store.Database;
import dev.agentwarden.store.McpServer;
import dev.agentwarden.store.McpServers;
import dev.agentwarden.store.McpTool;
import dev.agentwarden.store.SessionAllows;
import dev.agentwarden.store.StoreException;
import dev.agentwarden.store.TrustLedger;
import dev.agentwarden.store.Vault;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The MCP gateway: registers upstream servers and pins their tools, and runs an agent's tool
 * calls through the pipeline — attachment and quarantine → policy (tool allowlist and argument
 * constraints) → secret scan of the arguments → hash-pinned approval → upstream call through
 * egress with the brokered credential → secret redaction and injection handling of the result
 * → audit. A step that cannot decide refuses.
 */
public final class McpGateway {
  /** Separates server and tool in the names agents see: {@code server__tool}. */
  public static final String SEPARATOR = "__";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  /**
   * Who re-syncs a server on its own: because the upstream announced {@code
   * notifications/tools/list_changed}, or when the watch of its event stream reconnects.
   */
  public static final String WATCH_ACTOR = "system:mcp-watch";
  /** The refusal of a call whose step could not be recorded in the audit chain. */
  static final String NOT_RECORDED = "refused: AgentWarden could not record this step in the audit chain, so nothing was done";
  /** What a call to a subject scoring below the tenant's trust threshold needs. */
  private static final ApprovalRule DISTRUST = ApprovalRule.approvers(1, Duration.ofMinutes(15));

  private final Database db;
  private final Vault vault;
  private final TenantPolicies policies;
  private final ContentScanner scanner;
  private final ApprovalGate gate;
  private final AuditSink audit;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Optional<java.security.KeyStore> trustStore;
  private final List<java.util.function.Consumer<TenantId>> toolListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<ContentListener> contentListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final TrustLedger trust;

  private McpGateway(Database db, Vault vault, TenantPolicies policies, AuditSink audit, Clock clock,
      Optional<java.security.KeyStore> trustStore) {
    this.db = db;
    this.vault = vault;
    this.policies = policies;
    this.scanner = ContentScanner.standard();
    this.gate = new ApprovalGate(clock);
    this.audit = audit;
    this.clock = clock;
    this.trustStore = trustStore;
    this.trust = new TrustLedger(db, TrustRule.standard(), clock);
  }

  public static McpGateway create(Database db, Vault vault, TenantPolicies policies, AuditSink audit, Clock clock) {
    return new McpGateway(db, vault, policies, audit, clock, Optional.empty());
  }

  public ApprovalGate approvalGate() {
    return gate;
  }

  /**
   * Registers {@code listener} to hear that the tools agents of {@code tenant} can see may have
   * changed (a sync, a re-approval, an agent's or a server's change), e.g. to tell connected
   * agents {@code notifications/tools/list_changed}.
   */
  public void onToolsChanged(java.util.function.Consumer<TenantId> listener) {
    toolListeners.add(listener);
  }

  /** Hears that an upstream announced a change of its resources or prompts. */
  @FunctionalInterface
  public interface ContentListener {
    /** @param kind {@link #RESOURCES} or {@link #PROMPTS} */
    void changed(TenantId tenant, String server, String kind);
  }

  /** Registers {@code listener} for upstream announcements of changed resource or prompt lists. */
  public void onContentChanged(ContentListener listener) {
    contentListeners.add(listener);
  }

  void contentChanged(TenantId tenant, String server, String kind) {
    for (ContentListener l : contentListeners) {
      l.changed(tenant, server, kind);
    }
  }

  /** Tells the listeners that the tools visible to agents of {@code tenant} may have changed. */
  public void toolsChanged(TenantId tenant) {
    for (var l : toolListeners) {
      l.accept(tenant);
    }
  }

  /** What a sync found: tools new, unchanged, changed (now quarantined) and gone. */
  public record SyncReport(List<String> added, List<String> unchanged, List<String> changed, List<String> removed,
      Map<String, List<String>> findings) {}

  /**
   * Registers an upstream: connects through egress (so a URL the tenant's policy does not allow
   * is refused here, before anything is stored), pins every tool, and stores it all at once.
   */
  public McpServer register(TenantId tenant, String actor, String name, String url, Optional<SecretRef> auth,
      boolean enabled) {
    Listing listing = fetch(tenant, url, auth);
    UUID id = UUID.randomUUID();
    Map<String, List<String>> findings = new LinkedHashMap<>();
    McpServer server = db.inTenant(tenant, tx -> {
      McpServer s = McpServers.insert(tx, id, name, url, auth.map(SecretRef::uri), enabled);
      McpServers.synced(tx, id, listing.instructions(), clock.instant());
      for (ToolIdentity t : listing.tools()) {
        List<String> f = scanDescription(t);
        if (!f.isEmpty()) {
          findings.put(t.name(), f);
        }
        McpServers.insertTool(tx, id, t.name(), t.canonical(), t.sha256(), jsonList(f), f.isEmpty());
      }
      for (ContentIdentity i : listing.items()) {
        List<String> f = scanItem(i);
        if (!f.isEmpty()) {
          findings.put(label(i.kind(), i.name()), f);
        }
        McpServers.insertItem(tx, id, i.kind(), i.name(), i.canonical(), i.sha256(), jsonList(f), f.isEmpty());
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("server", name);
      body.put("url", url);
      body.put("tools", listing.tools().stream().map(t -> Map.of("name", t.name(), "sha256", t.sha256())).toList());
      body.put("content", listing.items().stream().map(i -> Map.of("name", label(i.kind(), i.name()), "sha256", i.sha256()))
          .toList());
      body.put("findings", findings);
      audit.record(tx, actor, "mcp_server.changed", body);
      return McpServers.find(tx, id).orElse(s);
    });
    toolsChanged(tenant);
    return server;
  }

  /** Re-reads the upstream's tools; any changed identity quarantines that tool (audited). */
  public SyncReport sync(TenantId tenant, String actor, UUID serverId) {
    McpServer server = db.inTenant(tenant, tx -> McpServers.find(tx, serverId))
        .orElseThrow(() -> new McpException("not_found", "MCP server not found"));
    Listing listing;
    try {
      listing = fetch(tenant, server.url(), server.authRef().map(SecretRef::parse));
    } catch (McpException e) {
      db.inTenant(tenant, tx -> {
        McpServers.failed(tx, serverId, String.valueOf(e.getMessage()));
        return null;
      });
      if (!e.code().equals("upstream_denied")) {
        trust.record(tenant, TrustSubject.mcpServer(server.name()), EvidenceKind.ERROR, "sync " + e.code());
      }
      throw e;
    }
    List<String> added = new ArrayList<>();
    List<String> unchanged = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    Map<String, List<String>> findings = new LinkedHashMap<>();
    db.inTenant(tenant, tx -> {
      // Serialises syncs of one server (an admin's and an upstream notification's may meet).
      if (!McpServers.lock(tx, serverId)) {
        throw new McpException("not_found", "MCP server not found");
      }
      Map<String, McpTool> known = new HashMap<>();
      for (McpTool t : McpServers.tools(tx, serverId)) {
        known.put(t.name(), t);
      }
      for (ToolIdentity t : listing.tools()) {
        List<String> f = scanDescription(t);
        if (!f.isEmpty()) {
          findings.put(t.name(), f);
        }
        McpTool before = known.remove(t.name());
        if (before == null) {
          McpServers.insertTool(tx, serverId, t.name(), t.canonical(), t.sha256(), jsonList(f), f.isEmpty());
          added.add(t.name());
        } else {
          McpServers.observeTool(tx, serverId, t.name(), t.canonical(), t.sha256(), jsonList(f), false);
          (before.pinnedSha256().equals(t.sha256()) ? unchanged : changed).add(t.name());
        }
      }
      for (McpTool gone : known.values()) {
        if (!gone.removed()) {
          McpServers.observeTool(tx, serverId, gone.name(), gone.currentIdentity(), gone.currentSha256(), gone.findings(), true);
          removed.add(gone.name());
        }
      }
      // Prompts, resources and templates: pinned and quarantined exactly like tools.
      for (String kind : List.of(McpServers.PROMPT, McpServers.RESOURCE, McpServers.RESOURCE_TEMPLATE)) {
        Map<String, McpTool> pinned = new HashMap<>();
        for (McpTool t : McpServers.items(tx, serverId, kind)) {
          pinned.put(t.name(), t);
        }
        for (ContentIdentity i : listing.items()) {
          if (!i.kind().equals(kind)) {
            continue;
          }
          List<String> f = scanItem(i);
          String label = label(kind, i.name());
          if (!f.isEmpty()) {
            findings.put(label, f);
          }
          McpTool before = pinned.remove(i.name());
          if (before == null) {
            McpServers.insertItem(tx, serverId, kind, i.name(), i.canonical(), i.sha256(), jsonList(f), f.isEmpty());
            added.add(label);
          } else {
            McpServers.observeItem(tx, serverId, kind, i.name(), i.canonical(), i.sha256(), jsonList(f), false);
            (before.pinnedSha256().equals(i.sha256()) ? unchanged : changed).add(label);
          }
        }
        for (McpTool gone : pinned.values()) {
          if (!gone.removed()) {
            McpServers.observeItem(tx, serverId, kind, gone.name(), gone.currentIdentity(), gone.currentSha256(),
                gone.findings(), true);
            removed.add(label(kind, gone.name()));
          }
        }
      }
      McpServers.synced(tx, serverId, listing.instructions(), clock.instant());
      if (!changed.isEmpty() || !added.isEmpty() || !removed.isEmpty()) {
        // A quarantine that is not in the audit chain does not happen: the sync rolls back.
        audit.record(tx, actor, "mcp_tool.changed", Map.of("server", server.name(), "added", added,
            "changed_quarantined", changed, "removed", removed, "findings", findings));
      }
      return null;
    });
    for (String tool : changed) {
      // A changed prompt or resource is evidence against the server's prompts or resources as a whole.
      String subject = tool.startsWith("@") ? (tool.startsWith(PROMPTS + "/") ? PROMPTS : RESOURCES) : tool;
      trust.record(tenant, TrustSubject.tool(server.name(), subject), EvidenceKind.IDENTITY_CHANGE,
          "identity changed at sync" + (subject.equals(tool) ? "" : ": " + tool));
    }
    if (!changed.isEmpty() || !added.isEmpty() || !removed.isEmpty()) {
      toolsChanged(tenant);
      // Listings of prompts and resources are served from the pins, so a changed pin changes them.
      List<String> all = new ArrayList<>(added);
      all.addAll(changed);
      all.addAll(removed);
      if (all.stream().anyMatch(l -> l.startsWith(PROMPTS + "/"))) {
        contentChanged(tenant, server.name(), PROMPTS);
      }
      if (all.stream().anyMatch(l -> l.startsWith(RESOURCES + "/") || l.startsWith("@resource-templates/"))) {
        contentChanged(tenant, server.name(), RESOURCES);
      }
    }
    return new SyncReport(added, unchanged, changed, removed, findings);
  }

  /**
   * An admin's review: pins the tool's current identity, which must be the one with {@code
   * sha256} (so the admin approves exactly what they saw), and acknowledges scanner findings.
   */
  public void approveTool(TenantId tenant, String actor, UUID serverId, String tool, String sha256) {
    boolean done = db.inTenant(tenant, tx -> {
      boolean approved = McpServers.approveTool(tx, serverId, tool, sha256);
      if (approved) {
        audit.record(tx, actor, "mcp_tool.changed", Map.of("server_id", serverId.toString(), "tool", tool,
            "approved_sha256", sha256));
      }
      return approved;
    });
    if (!done) {
      throw new McpException("tool_identity_mismatch",
          "identity_sha256 must be the current identity hash of an existing tool of this server");
    }
    toolsChanged(tenant);
  }

  /**
   * As {@link #approveTool}, for a prompt, resource or resource template ({@code kind}, see
   * {@link McpServers#PROMPT}) named {@code name} upstream.
   */
  public void approveItem(TenantId tenant, String actor, UUID serverId, String kind, String name, String sha256) {
    boolean done = db.inTenant(tenant, tx -> {
      boolean approved = McpServers.approveItem(tx, serverId, kind, name, sha256);
      if (approved) {
        audit.record(tx, actor, "mcp_tool.changed", Map.of("server_id", serverId.toString(), "item", label(kind, name),
            "approved_sha256", sha256));
      }
      return approved;
    });
    if (!done) {
      throw new McpException("tool_identity_mismatch",
          "identity_sha256 must be the current identity hash of an existing " + kind.replace('_', ' ') + " of this server");
    }
    db.inTenant(tenant, tx -> McpServers.find(tx, serverId)).ifPresent(s ->
        contentChanged(tenant, s.name(), kind.equals(McpServers.PROMPT) ? PROMPTS : RESOURCES));
  }

  /**
   * Re-syncs a server because its upstream announced that its tools changed; a failure is
   * recorded on the server (and retried by the next notification or sync), never thrown.
   */
  void resyncOnNotification(TenantId tenant, UUID serverId) {
    try {
      sync(tenant, WATCH_ACTOR, serverId);
    } catch (McpException e) {
      // sync() stored the failure on the server row when the upstream was at fault; a server
      // deleted meanwhile has nothing left to re-pin.
    }
  }

  /**
   * The upstream announced that its prompts or resources ({@code kind}: {@link #PROMPTS} or
   * {@link #RESOURCES}) changed: re-pins them (a sync that changes the pins tells agents itself),
   * and otherwise passes the announcement on to the agents attached to them.
   */
  void contentListChanged(TenantId tenant, UUID serverId, String serverName, String kind) {
    boolean announced = false;
    try {
      SyncReport r = sync(tenant, WATCH_ACTOR, serverId);
      List<String> all = new ArrayList<>(r.added());
      all.addAll(r.changed());
      all.addAll(r.removed());
      announced = all.stream().anyMatch(l -> kind.equals(PROMPTS) ? l.startsWith(PROMPTS + "/")
          : l.startsWith(RESOURCES + "/") || l.startsWith("@resource-templates/"));
    } catch (McpException e) {
      // As in resyncOnNotification: the failure is on the server row; the agents still hear of it.
    }
    if (!announced) {
      contentChanged(tenant, serverName, kind);
    }
  }

  /** Attaches every tool of a server, present and future: {@code server/*}, written only by an admin who accepted it. */
  public static final String WILDCARD = "*";

  /**
   * The tools an agent sees: attached by name or by its server's wildcard, on an enabled server,
   * not quarantined; as pinned.
   */
  public List<JsonNode> toolsFor(TenantId tenant, Agent agent) {
    Map<String, Set<String>> attached = new LinkedHashMap<>();
    for (String a : agent.tools()) {
      int slash = a.indexOf('/');
      if (slash > 0) {
        attached.computeIfAbsent(a.substring(0, slash), k -> new java.util.HashSet<>()).add(a.substring(slash + 1));
      }
    }
    return db.inTenant(tenant, tx -> {
      List<JsonNode> out = new ArrayList<>();
      for (Map.Entry<String, Set<String>> e : attached.entrySet()) {
        Optional<McpServer> server = McpServers.findByName(tx, e.getKey());
        if (server.isEmpty() || !server.get().enabled()) {
          continue;
        }
        for (McpTool t : McpServers.tools(tx, server.get().id())) {
          if ((e.getValue().contains(WILDCARD) || e.getValue().contains(t.name())) && !t.quarantined()) {
            ObjectNode tool = ((ObjectNode) ToolIdentity.toolOf(t.pinnedIdentity())).deepCopy();
            tool.put("name", e.getKey() + SEPARATOR + t.name());
            out.add(tool);
          }
        }
      }
      return out;
    });
  }

  private static boolean attached(Agent agent, String server, String tool) {
    return agent.tools().contains(server + "/" + tool) || agent.tools().contains(server + "/" + WILDCARD);
  }

  /** The outcome of a tool call: a CallToolResult, or a JSON-RPC error. */
  public sealed interface CallOutcome {
    record Result(JsonNode result) implements CallOutcome {}

    /** {@code data}: the error's structured detail, e.g. the approval a read waits for. */
    record RpcError(int code, String message, Optional<JsonNode> data) implements CallOutcome {
      public RpcError(int code, String message) {
        this(code, message, Optional.empty());
      }
    }

    /** The "pending approval" tool error: the call waits for {@code approvalId}. */
    record Pending(JsonNode result, UUID approvalId) implements CallOutcome {}
  }

  /** Where an approval stands now, for a call that waits on it. */
  public record ApprovalProgress(ApprovalStatus status, long approvals, int needed, java.time.Instant expiresAt) {}

  /** The state of {@code approvalId} as of now; empty when there is no such approval in the tenant. */
  public Optional<ApprovalProgress> approvalProgress(TenantId tenant, UUID approvalId) {
    return db.inTenant(tenant, tx -> Approvals.find(tx, approvalId)).map(stored -> {
      Approval a = stored.approval();
      return new ApprovalProgress(a.statusAt(clock.instant()), a.approvals(), a.rule().approvers(), a.expiresAt());
    });
  }

  /**
   * Runs one tool call of {@code agent} (acting through the key {@code keyId}) in the MCP
   * session {@code sessionId}. {@code approvalId} optionally names the approval this call
   * executes; otherwise an approver's allow for this exact call in this session, or an approved
   * request with the same payload hash, is used.
   */
  public CallOutcome call(TenantId tenant, UUID keyId, String sessionId, Agent agent, String exposedName,
      JsonNode arguments, Optional<UUID> approvalId) {
    return call(tenant, keyId, sessionId, agent, exposedName, arguments, approvalId, Optional.empty());
  }

  /**
   * As {@link #call(TenantId, UUID, String, Agent, String, JsonNode, Optional)}; with {@code
   * progress}, the upstream is asked for progress and each {@code notifications/progress} it sends
   * is handed over as {@code {progress, total?, message?}}, its message secret-redacted and left
   * out when it reads as an injection.
   */
  public CallOutcome call(TenantId tenant, UUID keyId, String sessionId, Agent agent, String exposedName,
      JsonNode arguments, Optional<UUID> approvalId, Optional<java.util.function.Consumer<ObjectNode>> progress) {
    String actor = "agent:" + agent.name();
    int sep = exposedName.indexOf(SEPARATOR);
    String qualified = sep <= 0 ? "" : exposedName.substring(0, sep) + "/" + exposedName.substring(sep + SEPARATOR.length());
    if (sep <= 0 || exposedName.endsWith(SEPARATOR + WILDCARD)
        || !attached(agent, exposedName.substring(0, sep), exposedName.substring(sep + SEPARATOR.length()))) {
      refuse(tenant, actor, exposedName, "tools.not_attached", "tool is not attached to this agent");
      // A tool error, as the reference SDK server answers an unknown tool; it does not say
      // whether the tool exists elsewhere.
      return toolError("Tool " + exposedName + " not found");
    }
    String serverName = qualified.substring(0, qualified.indexOf('/'));
    String toolName = qualified.substring(qualified.indexOf('/') + 1);
    if (!arguments.isObject()) {
      return new CallOutcome.RpcError(-32602, "tool arguments must be a JSON object");
    }
    Optional<McpServer> serverRow = db.inTenant(tenant, tx -> McpServers.findByName(tx, serverName));
    if (serverRow.isEmpty() || !serverRow.get().enabled()) {
      refuse(tenant, actor, qualified, "mcp.server_disabled", "the tool's server is disabled or gone");
      return toolError("tool " + exposedName + " is unavailable: its server is disabled");
    }
    McpServer server = serverRow.get();
    Optional<McpTool> tool = db.inTenant(tenant, tx -> McpServers.tools(tx, server.id()).stream()
        .filter(t -> t.name().equals(toolName)).findFirst());
    if (tool.isEmpty() || tool.get().removed()) {
      refuse(tenant, actor, qualified, "tools.not_attached", "the upstream does not list this tool");
      return toolError("Tool " + exposedName + " not found");
    }
    if (tool.get().quarantined()) {
      refuse(tenant, actor, qualified, "mcp.quarantined", "tool is quarantined until an admin re-approves it");
      return toolError("tool " + exposedName + " is quarantined: its identity changed or awaits review by an admin");
    }
    if (agent.policy().isPresent()) {
      Optional<Policy> policy = policies.find(tenant, agent.policy().get());
      if (policy.isEmpty()) {
        refuse(tenant, actor, qualified, "policy.missing", "the agent's policy '" + agent.policy().get() + "' does not exist");
        return toolError("denied by policy: the agent's policy '" + agent.policy().get() + "' does not exist");
      }
      ActionDecision d = policy.get().checkTool(agent.name(), qualified, arguments);
      if (!d.allowed()) {
        refuse(tenant, actor, qualified, d.decision().ruleId(), d.decision().reason());
        trust.record(tenant, TrustSubject.tool(serverName, toolName), EvidenceKind.POLICY_VIOLATION, d.decision().ruleId());
        return toolError("denied by policy (" + d.decision().ruleId() + "): " + d.decision().reason());
      }
    }
    List<Finding> secrets = scanner.scan(arguments.toString(), Set.of(ScanKind.SECRETS), ContentSource.USER).findings();
    if (!secrets.isEmpty()) {
      refuse(tenant, actor, qualified, "scan.secret_in_arguments", secrets.get(0).ruleId());
      trust.record(tenant, TrustSubject.tool(serverName, toolName), EvidenceKind.POLICY_VIOLATION,
          "scan.secret_in_arguments");
      return toolError("denied: the arguments contain a secret (" + secrets.get(0).ruleId() + ")");
    }
    ApprovalPolicy approvals;
    try {
      approvals = ApprovalPolicy.parse(CanonicalJson.parse(agent.approvals()));
    } catch (RuntimeException e) {
      refuse(tenant, actor, qualified, "approval.invalid_rules", "the agent's approval rules cannot be read");
      return toolError("denied: the agent's approval rules cannot be read");
    }
    Optional<ApprovalPolicy.Match> match = approvals.matchFor(qualified, arguments);
    Optional<ApprovalRule> rule = match.map(ApprovalPolicy.Match::rule);
    Optional<Distrust> distrust = distrust(tenant, serverName, toolName);
    if (distrust.isPresent() && rule.isEmpty()) {
      rule = Optional.of(DISTRUST);
    }
    if (rule.isPresent() || approvalId.isPresent()) {
      StillReachable reachable = (tx, current) -> {
        if (!attached(current, serverName, toolName)) {
          return Optional.of("the tool is no longer attached to the agent");
        }
        Optional<McpServer> s = McpServers.findByName(tx, serverName).filter(McpServer::enabled);
        if (s.isEmpty()) {
          return Optional.of("the tool's server is disabled or gone");
        }
        return McpServers.item(tx, s.get().id(), McpServers.TOOL, toolName).filter(t -> !t.quarantined()).isPresent()
            ? Optional.empty() : Optional.of("the tool is quarantined or gone");
      };
      Optional<CallOutcome> held = approvalGate(tenant, keyId, sessionHash(sessionId), agent, qualified, arguments, rule,
          approvalId, distrust, reason(match, distrust), reachable);
      if (held.isPresent()) {
        return held.get();
      }
    }
    return forward(tenant, sessionId, actor, agent, server, qualified, toolName, arguments, progress);
  }

  /**
   * Why calls to a subject need approval on trust grounds: {@code low} names the lowest-scoring
   * subject below the tenant's threshold; empty when the scores could not be read (which asks a
   * human rather than letting the call through).
   */
  private record Distrust(TrustSubject subject, Optional<TrustLedger.Low> low) {
    String text() {
      return low.map(l -> "the trust score of " + l.subject().kind().wire() + " " + l.subject().name() + " is "
          + l.score().value() + ", below the tenant's threshold " + l.threshold().value())
          .orElse("the trust score of " + subject.name() + " could not be computed");
    }

    /** The approval's reason: {@code low_trust} with subject, score and threshold, or {@code trust_unknown}. */
    ObjectNode reason() {
      ObjectNode r = JsonNodeFactory.instance.objectNode();
      TrustSubject s = low.map(TrustLedger.Low::subject).orElse(subject);
      r.put("kind", low.isPresent() ? "low_trust" : "trust_unknown");
      r.putObject("subject").put("kind", s.kind().wire()).put("name", s.name());
      low.ifPresent(l -> r.put("score", l.score().value()).put("threshold", l.threshold().value()));
      return r;
    }
  }

  /** Whether calls to this tool need approval on trust grounds: its score or its server's is below the threshold. */
  private Optional<Distrust> distrust(TenantId tenant, String server, String tool) {
    TrustSubject subject = TrustSubject.tool(server, tool);
    try {
      return trust.below(tenant, List.of(TrustSubject.mcpServer(server), subject))
          .map(low -> new Distrust(subject, Optional.of(low)));
    } catch (RuntimeException e) {
      return Optional.of(new Distrust(subject, Optional.empty()));
    }
  }

  /**
   * Why an approval is opened, stored with it and shown to approvers: the agent's rule that
   * matched ({@code rule}, with the rule and its description; a low trust score at the same time
   * is added as {@code low_trust}), or else the trust score ({@code low_trust} / {@code trust_unknown}).
   */
  private static ObjectNode reason(Optional<ApprovalPolicy.Match> match, Optional<Distrust> distrust) {
    if (match.isEmpty()) {
      return distrust.map(Distrust::reason).orElseGet(() -> JsonNodeFactory.instance.objectNode().put("kind", "none"));
    }
    ApprovalPolicy.Match m = match.get();
    ObjectNode r = JsonNodeFactory.instance.objectNode().put("kind", "rule").put("description", m.description());
    ObjectNode rule = r.putObject("rule").put("index", m.index()).put("tool", m.tool())
        .put("approvers", m.rule().approvers()).put("expiry_seconds", m.rule().expiry().toSeconds());
    if (!m.arguments().isEmpty()) {
      ObjectNode args = rule.putObject("arguments");
      new java.util.TreeMap<>(m.arguments()).forEach(args::put);
    }
    distrust.ifPresent(d -> r.set("low_trust", d.reason()));
    return r;
  }

  private Optional<CallOutcome> approvalGate(TenantId tenant, UUID keyId, String session, Agent agent,
      String qualified, JsonNode arguments, Optional<ApprovalRule> rule, Optional<UUID> approvalId,
      Optional<Distrust> distrust, ObjectNode reason, StillReachable reachable) {
    String actor = "agent:" + agent.name();
    String argumentsSha256 = ApprovalPayload.of(arguments).sha256();
    ObjectNode action = JsonNodeFactory.instance.objectNode();
    action.put("agent", agent.name());
    action.put("tool", qualified);
    action.set("arguments", arguments);
    ApprovalPayload payload;
    try {
      payload = ApprovalPayload.of(action);
    } catch (ApprovalException e) {
      return Optional.of(toolError("denied: " + e.getMessage()));
    }
    Actor requester = Actor.agentKey(keyId.toString(), agent.name());
    /** What the gate found; its state changes and their audit records are already committed. */
    record Step(Optional<Approval> executed, Optional<Approval> pending, Optional<String> refusal,
        Optional<SessionAllows.SessionAllow> allowed) {
      Step(Optional<Approval> executed, Optional<Approval> pending, Optional<String> refusal) {
        this(executed, pending, refusal, Optional.empty());
      }
    }
    Step step;
    try {
      step = db.inTenant(tenant, tx -> {
        List<Approvals.Stored> candidates = new ArrayList<>();
        if (approvalId.isPresent()) {
          Optional<Approvals.Stored> named = Approvals.lock(tx, approvalId.get());
          if (named.isEmpty()) {
            return new Step(Optional.empty(), Optional.empty(), Optional.of("approval " + approvalId.get() + " not found"));
          }
          candidates.add(named.get());
        } else {
          candidates.addAll(Approvals.lockOpenFor(tx, agent.name(), payload.sha256()));
        }
        Optional<Approval> pending = Optional.empty();
        for (Approvals.Stored s : candidates) {
          Approval a = s.approval();
          if (approvalId.isPresent() && !a.requester().agent().equals(Optional.of(agent.name()))) {
            return new Step(Optional.empty(), Optional.empty(), Optional.of("approval " + a.id() + " not found"));
          }
          ApprovalStatus now = a.statusAt(clock.instant());
          if (now == ApprovalStatus.APPROVED || approvalId.isPresent()) {
            try {
              Approval executed = gate.execute(a, payload);
              Approvals.save(tx, executed);
              audit.record(tx, actor, "approval.executed", Map.of("approval_id", executed.id().toString(),
                  "tool", qualified, "payload_sha256", payload.sha256()));
              return new Step(Optional.of(executed), Optional.empty(), Optional.empty());
            } catch (ApprovalException e) {
              if (e.code().equals("approval_pending")) {
                return new Step(Optional.empty(), Optional.of(a), Optional.empty());
              }
              return new Step(Optional.empty(), Optional.empty(), Optional.of(e.code() + ": " + e.getMessage()));
            }
          }
          if (now == ApprovalStatus.PENDING && pending.isEmpty()) {
            pending = Optional.of(a);
          }
        }
        // An approver's allow for exactly this call in this session stands in for a new approval;
        // it is looked at only after an approved request (which the first retry consumes).
        if (approvalId.isEmpty()) {
          Optional<SessionAllows.SessionAllow> allowed =
              SessionAllows.findActive(tx, agent.id(), session, qualified, argumentsSha256);
          Optional<Lapse> lapse = allowed.isPresent()
              ? lapsed(tx, agent, qualified, arguments, rule, reachable) : Optional.empty();
          if (lapse.isPresent() && lapse.get().refuse()) {
            return new Step(Optional.empty(), Optional.empty(),
                Optional.of("session_allow_lapsed: the session allow " + allowed.get().id() + " no longer applies: "
                    + lapse.get().reason()));
          }
          if (allowed.isPresent() && lapse.isEmpty()) {
            audit.record(tx, actor, "session_allow.used", Map.of("allow_id", allowed.get().id().toString(),
                "approval_id", allowed.get().approvalId().toString(), "tool", qualified,
                "arguments_sha256", argumentsSha256));
            return new Step(Optional.empty(), Optional.empty(), Optional.empty(), allowed);
          }
        }
        if (pending.isPresent()) {
          return new Step(Optional.empty(), pending, Optional.empty());
        }
        if (rule.isEmpty()) {
          return new Step(Optional.empty(), Optional.empty(), Optional.empty());
        }
        Approval opened = gate.open(UUID.randomUUID(), payload, requester, rule.get());
        Approvals.insert(tx, opened, Optional.of(agent.id()), qualified, reason.toString());
        Approvals.bindSession(tx, opened.id(), session);
        audit.record(tx, actor, "approval.requested", Map.of("approval_id", opened.id().toString(), "tool", qualified,
            "payload_sha256", opened.payload().sha256(), "approvers", opened.rule().approvers(),
            "expires_at", opened.expiresAt().toString(), "reason", reason));
        return new Step(Optional.empty(), Optional.of(opened), Optional.empty());
      });
    } catch (StoreException e) {
      // Fail closed: the step's audit record (or the step) could not be written, so nothing of
      // it happened and the call does not run.
      return Optional.of(new CallOutcome.RpcError(-32603, NOT_RECORDED));
    }
    if (step.executed().isPresent() || step.allowed().isPresent()) {
      return Optional.empty();
    }
    if (step.pending().isPresent()) {
      Approval p = step.pending().get();
      ObjectNode result = toolErrorNode("pending approval " + p.id() + ": this call needs " + p.rule().approvers()
          + " approval(s) (payload_sha256 " + p.payload().sha256() + ")" + distrust.map(d -> " because " + d.text()).orElse("")
          + "; call again with the same arguments once approved");
      ObjectNode meta = result.putObject("_meta");
      meta.put("io.agentwarden/approval_id", p.id().toString());
      meta.put("io.agentwarden/payload_sha256", p.payload().sha256());
      meta.put("io.agentwarden/expires_at", p.expiresAt().toString());
      return Optional.of(new CallOutcome.Pending(result, p.id()));
    }
    if (step.refusal().isPresent()) {
      audit.record(tenant, actor, "approval.refused", Map.of("tool", qualified, "payload_sha256", payload.sha256(),
          "reason", step.refusal().get()));
      return Optional.of(toolError("refused: " + step.refusal().get()));
    }
    return Optional.empty();
  }

  /**
   * What a session allow still needs at the moment it is used, read in the transaction that uses
   * it: that the agent can still reach the tool (or prompt, resource) it allows — attached, its
   * server enabled, not quarantined. Empty when it can; otherwise why not.
   */
  @FunctionalInterface
  private interface StillReachable {
    Optional<String> refusal(dev.agentwarden.store.Tx tx, Agent current) throws java.sql.SQLException;
  }

  /** Why a session allow no longer stands in for an approval; {@code refuse}: the call is refused outright. */
  private record Lapse(String reason, boolean refuse) {}

  /**
   * Re-checks the current rules before a session allow is used, since the admin may have
   * tightened them after the approver allowed the call: the agent must still be enabled and
   * reach the tool, and name the policy this call was just checked against — otherwise the call
   * is refused — and the approval rules (as they are now) must not need more approvers
   * than the one who allowed it — otherwise the call needs a new approval.
   */
  private Optional<Lapse> lapsed(dev.agentwarden.store.Tx tx, Agent agent, String qualified,
      JsonNode arguments, Optional<ApprovalRule> rule, StillReachable reachable) throws java.sql.SQLException {
    Optional<Agent> current = Agents.find(tx, agent.id());
    if (current.isEmpty() || !current.get().enabled()) {
      return Optional.of(new Lapse("the agent is disabled or gone", true));
    }
    Optional<String> unreachable = reachable.refusal(tx, current.get());
    if (unreachable.isPresent()) {
      return Optional.of(new Lapse(unreachable.get(), true));
    }
    // The call was just checked against the policy the agent named; a policy named since then
    // has not checked it. (The policy is not read again here: that would take a second pooled
    // connection while this transaction holds one.)
    if (!current.get().policy().equals(agent.policy())) {
      return Optional.of(new Lapse("the agent's policy changed", true));
    }
    int needed = rule.map(ApprovalRule::approvers).orElse(0);
    try {
      needed = Math.max(needed, ApprovalPolicy.parse(CanonicalJson.parse(current.get().approvals()))
          .ruleFor(qualified, arguments).map(ApprovalRule::approvers).orElse(0));
    } catch (RuntimeException e) {
      return Optional.of(new Lapse("the agent's approval rules cannot be read", true));
    }
    if (needed > 1) {
      return Optional.of(new Lapse("the approval rules now need " + needed + " approvers", false));
    }
    return Optional.empty();
  }

  private CallOutcome forward(TenantId tenant, String sessionId, String actor, Agent agent, McpServer server,
      String qualified, String toolName, JsonNode arguments, Optional<java.util.function.Consumer<ObjectNode>> progress) {
    long start = System.nanoTime();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("agent", agent.name());
    body.put("tool", qualified);
    body.put("arguments_sha256", ApprovalPayload.of(arguments).sha256());
    JsonNode result;
    try (UpstreamClient upstream = UpstreamClient.connect(egress(tenant, server.authRef().map(SecretRef::parse), CALL_TIMEOUT),
        server.url())) {
      Optional<LogLevel> level = logs.level(tenant, sessionId);
      if (level.isPresent() && upstream.offers("logging")) {
        setLevel(upstream, level.get());
      }
      Optional<String> token = Optional.empty();
      if (progress.isPresent()) {
        byte[] raw = new byte[12];
        random.nextBytes(raw);
        token = Optional.of("warden-" + java.util.HexFormat.of().formatHex(raw));
      }
      ContentScanner judged = scanner.withPolicy(InjectionSettings.parse(agent.injection()));
      Optional<String> asked = token;
      result = upstream.callTool(toolName, arguments, token, n -> {
        if (asked.isPresent() && progress.isPresent()) {
          relayProgress(n, asked.get(), judged, progress.get());
        }
        if (level.isPresent() && LogRelay.METHOD.equals(n.path("method").asText())) {
          logs.log(tenant, sessionId, server.name(), n, upstream.sessionId().stream().toList());
        }
      });
      if (upstream.sawToolListChanged()) {
        // Re-pinned before the result is returned, so the agent's next tools/list or call
        // already sees any changed tool quarantined.
        resyncOnNotification(tenant, server.id());
      }
    } catch (UpstreamClient.UpstreamRpcError e) {
      trust.record(tenant, TrustSubject.tool(server.name(), toolName), EvidenceKind.ERROR, "rpc_error " + e.rpcCode());
      // The upstream's error text is its own output: redacted like a result before it is
      // audited or reaches the agent.
      String message = scanner.redactSecrets(e.getMessage());
      body.put("outcome", "upstream_error");
      body.put("error", message);
      int code = e.codeForAgent();
      return recorded(tenant, actor, body, new CallOutcome.RpcError(code, message));
    } catch (McpException e) {
      switch (e.code()) {
        case "upstream_timeout" -> trust.record(tenant, TrustSubject.tool(server.name(), toolName), EvidenceKind.TIMEOUT,
            e.code());
        // The tenant's own network policy refused the upstream: no evidence against it.
        case "upstream_denied" -> { }
        default -> trust.record(tenant, TrustSubject.mcpServer(server.name()), EvidenceKind.ERROR, e.code());
      }
      body.put("outcome", e.code());
      return recorded(tenant, actor, body, new CallOutcome.RpcError(-32603, "upstream " + server.name() + ": " + e.getMessage()));
    }
    Cleaned cleaned = clean(result, InjectionSettings.parse(agent.injection()));
    if (cleaned.redactions() > 0 || cleaned.action().compareTo(Action.ALLOW) > 0) {
      trust.record(tenant, TrustSubject.tool(server.name(), toolName), EvidenceKind.OUTPUT_FINDING,
          "redacted_secrets=" + cleaned.redactions() + " injection=" + cleaned.action().label());
    }
    body.put("outcome", result.path("isError").asBoolean(false) ? "tool_error" : "ok");
    body.put("redacted_secrets", cleaned.redactions());
    body.put("injection_action", cleaned.action().label());
    body.put("duration_ms", (System.nanoTime() - start) / 1_000_000);
    return recorded(tenant, actor, body, new CallOutcome.Result(cleaned.result()));
  }

  /**
   * Records a call's outcome ({@code tool.called}) and only then hands it over: the agent never
   * gets a result whose record is not durable. If the record cannot be written, the result is
   * withheld and the agent gets an internal error instead.
   */
  CallOutcome recorded(TenantId tenant, String actor, Map<String, Object> body, CallOutcome outcome) {
    try {
      audit.record(tenant, actor, "tool.called", body);
      return outcome;
    } catch (StoreException e) {
      return new CallOutcome.RpcError(-32603, "AgentWarden could not record this call in the audit chain; its result is withheld");
    }
  }

  /** Attaches a server's resources to an agent: {@code server/@resources} ('@' is never in a tool name). */
  public static final String RESOURCES = "@resources";
  /** Attaches a server's prompts to an agent: {@code server/@prompts}. */
  public static final String PROMPTS = "@prompts";
  /** Separates server and upstream URI in the resource URIs agents see: {@code server+uri}. */
  public static final String URI_SEPARATOR = "+";

  /** The enabled servers whose {@code kind} ({@link #RESOURCES} or {@link #PROMPTS}) the agent has attached. */
  List<McpServer> serversWith(TenantId tenant, Agent agent, String kind) {
    return db.inTenant(tenant, tx -> {
      List<McpServer> out = new ArrayList<>();
      for (String a : agent.tools()) {
        if (a.endsWith("/" + kind)) {
          McpServers.findByName(tx, a.substring(0, a.length() - kind.length() - 1))
              .filter(McpServer::enabled).ifPresent(out::add);
        }
      }
      return out;
    });
  }

  /**
   * Lists {@code member} items ({@code resources}, {@code resourceTemplates}, {@code prompts})
   * of every server whose {@code kind} the agent has attached, as pinned (like {@code tools/list}),
   * renamed into the server's namespace. Quarantined items — changed since an admin approved them,
   * or with scanner findings not yet acknowledged ("tool poisoning": listings reach the model like
   * tool descriptions) — are left out.
   */
  public CallOutcome listFromServers(TenantId tenant, Agent agent, String kind, String method, String member) {
    String itemKind = switch (member) {
      case "prompts" -> McpServers.PROMPT;
      case "resourceTemplates" -> McpServers.RESOURCE_TEMPLATE;
      default -> McpServers.RESOURCE;
    };
    ArrayNode all = JsonNodeFactory.instance.arrayNode();
    for (McpServer server : serversWith(tenant, agent, kind)) {
      for (McpTool item : db.inTenant(tenant, tx -> McpServers.items(tx, server.id(), itemKind))) {
        if (item.quarantined()) {
          continue;
        }
        ObjectNode copy = ((ObjectNode) ContentIdentity.itemOf(item.pinnedIdentity())).deepCopy();
        switch (member) {
          case "prompts" -> copy.put("name", server.name() + SEPARATOR + copy.path("name").asText());
          case "resourceTemplates" -> copy.put("uriTemplate", server.name() + URI_SEPARATOR + copy.path("uriTemplate").asText());
          default -> copy.put("uri", server.name() + URI_SEPARATOR + copy.path("uri").asText());
        }
        all.add(copy);
      }
    }
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result.set(member, all);
    return new CallOutcome.Result(result);
  }

  /** JSON-RPC error of a {@code resources/read} or {@code prompts/get} that the gate refused. */
  public static final int CONTENT_DENIED = -32003;
  /** JSON-RPC error of a {@code resources/read} or {@code prompts/get} that waits for approval. */
  public static final int CONTENT_PENDING_APPROVAL = -32004;

  /**
   * Reads one resource ({@code server+uri}) of a server whose resources the agent has attached,
   * through the same gate as a tool call: the resource (or the template it matches) must be
   * pinned and not quarantined, the agent's policy must allow {@code server/@resources} with
   * {@code {"uri": ...}}, and approval rules and the trust threshold apply. Its text is redacted
   * and judged like tool output, and the read is audited.
   */
  public CallOutcome readResource(TenantId tenant, UUID keyId, String sessionId, Agent agent, String exposedUri) {
    String actor = "agent:" + agent.name();
    int sep = exposedUri.indexOf(URI_SEPARATOR);
    Optional<McpServer> server = sep <= 0 ? Optional.empty() : serversWith(tenant, agent, RESOURCES).stream()
        .filter(s -> s.name().equals(exposedUri.substring(0, sep))).findFirst();
    if (server.isEmpty()) {
      refuse(tenant, actor, exposedUri, "resources.not_attached", "no attached server has this resource");
      return new CallOutcome.RpcError(-32002, "Resource not found: " + exposedUri);
    }
    String uri = exposedUri.substring(sep + URI_SEPARATOR.length());
    UUID serverId = server.get().id();
    Optional<McpTool> pinned = db.inTenant(tenant, tx -> pinnedResource(tx, serverId, uri));
    if (pinned.isEmpty()) {
      refuse(tenant, actor, exposedUri, "resources.not_pinned", "the upstream lists no such resource or template");
      return new CallOutcome.RpcError(-32002, "Resource not found: " + exposedUri);
    }
    if (pinned.get().quarantined()) {
      refuse(tenant, actor, exposedUri, "mcp.quarantined", "resource is quarantined until an admin re-approves it");
      return new CallOutcome.RpcError(CONTENT_DENIED, "resource " + exposedUri
          + " is quarantined: its identity changed or awaits review by an admin");
    }
    ObjectNode params = JsonNodeFactory.instance.objectNode().put("uri", uri);
    String serverName = server.get().name();
    Optional<CallOutcome> refused = contentGate(tenant, keyId, sessionId, agent, server.get(), RESOURCES,
        serverName + "/" + RESOURCES, params, (tx, current) ->
            !current.tools().contains(serverName + "/" + RESOURCES) ? Optional.of("the server's resources are no longer attached")
                : pinnedResource(tx, serverId, uri).filter(t -> !t.quarantined()).isPresent() ? Optional.empty()
                : Optional.of("the resource is quarantined or gone"));
    if (refused.isPresent()) {
      return refused.get();
    }
    return forwardContent(tenant, sessionId, agent, server.get(), RESOURCES, "resources/read", params,
        Map.of("resource", exposedUri), r -> {
      List<ObjectNode> texts = new ArrayList<>();
      for (JsonNode c : r.path("contents")) {
        if (c.isObject()) {
          if (c.path("uri").isTextual()) {
            ((ObjectNode) c).put("uri", server.get().name() + URI_SEPARATOR + c.path("uri").asText());
          }
          if (c.path("text").isTextual()) {
            texts.add((ObjectNode) c);
          }
        }
      }
      return texts;
    });
  }

  /** The pinned resource with {@code uri}, or else the first pinned template it expands. */
  private static Optional<McpTool> pinnedResource(dev.agentwarden.store.Tx tx, UUID serverId, String uri)
      throws java.sql.SQLException {
    Optional<McpTool> exact = McpServers.item(tx, serverId, McpServers.RESOURCE, uri).filter(t -> !t.removed());
    if (exact.isPresent()) {
      return exact;
    }
    return McpServers.items(tx, serverId, McpServers.RESOURCE_TEMPLATE).stream()
        .filter(t -> !t.removed() && matchesTemplate(t.name(), uri)).findFirst();
  }

  /**
   * Whether {@code uri} is an expansion of the RFC 6570 {@code template}: literal text must match
   * exactly; a simple expression ({@code {id}}) stands for text without '/', '?' or '#', the
   * others ({@code {+path}}, {@code {/segments}}, {@code {?query}}, ...) for any text.
   */
  static boolean matchesTemplate(String template, String uri) {
    StringBuilder regex = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      int open = template.indexOf('{', i);
      if (open < 0) {
        regex.append(java.util.regex.Pattern.quote(template.substring(i)));
        break;
      }
      int close = template.indexOf('}', open);
      if (close < 0) {
        return false;
      }
      if (open > i) {
        regex.append(java.util.regex.Pattern.quote(template.substring(i, open)));
      }
      char op = close > open + 1 ? template.charAt(open + 1) : '}';
      regex.append(Character.isLetterOrDigit(op) || op == '_' || op == '%' ? "[^/?#]*" : ".*");
      i = close + 1;
    }
    return java.util.regex.Pattern.compile(regex.toString(), java.util.regex.Pattern.DOTALL).matcher(uri).matches();
  }

  /**
   * Gets one prompt ({@code server__prompt}) of a server whose prompts the agent has attached,
   * through the same gate as a tool call: the prompt must be pinned and not quarantined, the
   * agent's policy must allow {@code server/@prompts/<name>} with these arguments, the arguments
   * must carry no secret, and approval rules and the trust threshold apply. The messages are
   * redacted and judged like tool output.
   */
  public CallOutcome getPrompt(TenantId tenant, UUID keyId, String sessionId, Agent agent, String exposedName,
      JsonNode arguments) {
    String actor = "agent:" + agent.name();
    int sep = exposedName.indexOf(SEPARATOR);
    Optional<McpServer> server = sep <= 0 ? Optional.empty() : serversWith(tenant, agent, PROMPTS).stream()
        .filter(s -> s.name().equals(exposedName.substring(0, sep))).findFirst();
    if (server.isEmpty()) {
      refuse(tenant, actor, exposedName, "prompts.not_attached", "no attached server has this prompt");
      return new CallOutcome.RpcError(-32602, "Invalid params: prompt " + exposedName + " not found");
    }
    String name = exposedName.substring(sep + SEPARATOR.length());
    Optional<McpTool> pinned = db.inTenant(tenant, tx -> McpServers.item(tx, server.get().id(), McpServers.PROMPT, name))
        .filter(t -> !t.removed());
    if (pinned.isEmpty()) {
      refuse(tenant, actor, exposedName, "prompts.not_pinned", "the upstream lists no such prompt");
      return new CallOutcome.RpcError(-32602, "Invalid params: prompt " + exposedName + " not found");
    }
    if (pinned.get().quarantined()) {
      refuse(tenant, actor, exposedName, "mcp.quarantined", "prompt is quarantined until an admin re-approves it");
      return new CallOutcome.RpcError(CONTENT_DENIED, "prompt " + exposedName
          + " is quarantined: its identity changed or awaits review by an admin");
    }
    JsonNode args = arguments.isMissingNode() || arguments.isNull() ? JsonNodeFactory.instance.objectNode() : arguments;
    if (!args.isObject()) {
      return new CallOutcome.RpcError(-32602, "Invalid params: prompt arguments must be a JSON object");
    }
    String serverName = server.get().name();
    UUID serverId = server.get().id();
    Optional<CallOutcome> refused = contentGate(tenant, keyId, sessionId, agent, server.get(), PROMPTS,
        serverName + "/" + PROMPTS + "/" + name, args, (tx, current) ->
            !current.tools().contains(serverName + "/" + PROMPTS) ? Optional.of("the server's prompts are no longer attached")
                : McpServers.item(tx, serverId, McpServers.PROMPT, name).filter(t -> !t.quarantined()).isPresent()
                ? Optional.empty() : Optional.of("the prompt is quarantined or gone"));
    if (refused.isPresent()) {
      return refused.get();
    }
    ObjectNode params = JsonNodeFactory.instance.objectNode().put("name", name);
    if (!args.isEmpty()) {
      params.set("arguments", args);
    }
    return forwardContent(tenant, sessionId, agent, server.get(), PROMPTS, "prompts/get", params,
        Map.of("prompt", exposedName), r -> {
      List<ObjectNode> texts = new ArrayList<>();
      for (JsonNode m : r.path("messages")) {
        textOf(m.path("content"), texts);
      }
      return texts;
    });
  }

  /**
   * The agent's policy on reading (or subscribing to) {@code qualified} with {@code arguments};
   * empty when it allows, else the JSON-RPC error (refused and recorded as evidence).
   */
  Optional<CallOutcome> contentPolicy(TenantId tenant, Agent agent, McpServer server, String kind, String qualified,
      JsonNode arguments) {
    if (agent.policy().isEmpty()) {
      return Optional.empty();
    }
    String actor = "agent:" + agent.name();
    Optional<Policy> policy = policies.find(tenant, agent.policy().get());
    if (policy.isEmpty()) {
      refuse(tenant, actor, qualified, "policy.missing", "the agent's policy '" + agent.policy().get() + "' does not exist");
      return Optional.of(new CallOutcome.RpcError(CONTENT_DENIED,
          "denied by policy: the agent's policy '" + agent.policy().get() + "' does not exist"));
    }
    ActionDecision d = policy.get().checkTool(agent.name(), qualified, arguments);
    if (d.allowed()) {
      return Optional.empty();
    }
    refuse(tenant, actor, qualified, d.decision().ruleId(), d.decision().reason());
    trust.record(tenant, TrustSubject.tool(server.name(), kind), EvidenceKind.POLICY_VIOLATION, d.decision().ruleId());
    return Optional.of(new CallOutcome.RpcError(CONTENT_DENIED,
        "denied by policy (" + d.decision().ruleId() + "): " + d.decision().reason()));
  }

  /**
   * The gate {@code tools/call} runs, for a read of a resource or a prompt ({@code kind}) named
   * {@code qualified} with {@code arguments}: the agent's policy, a secret scan of the arguments,
   * then the approval gate under the agent's rules (which match {@code server/@prompts},
   * {@code server/@prompts/<name>} or {@code server/@resources}) and the trust threshold (the
   * server and its {@code @prompts} / {@code @resources} as a whole). Empty when the read may go
   * ahead; otherwise the JSON-RPC error to answer.
   */
  private Optional<CallOutcome> contentGate(TenantId tenant, UUID keyId, String sessionId, Agent agent, McpServer server,
      String kind, String qualified, JsonNode arguments, StillReachable reachable) {
    String actor = "agent:" + agent.name();
    Optional<CallOutcome> denied = contentPolicy(tenant, agent, server, kind, qualified, arguments);
    if (denied.isPresent()) {
      return denied;
    }
    List<Finding> secrets = scanner.scan(arguments.toString(), Set.of(ScanKind.SECRETS), ContentSource.USER).findings();
    if (!secrets.isEmpty()) {
      refuse(tenant, actor, qualified, "scan.secret_in_arguments", secrets.get(0).ruleId());
      return Optional.of(new CallOutcome.RpcError(-32602,
          "denied: the arguments contain a secret (" + secrets.get(0).ruleId() + ")"));
    }
    ApprovalPolicy approvals;
    try {
      approvals = ApprovalPolicy.parse(CanonicalJson.parse(agent.approvals()));
    } catch (RuntimeException e) {
      refuse(tenant, actor, qualified, "approval.invalid_rules", "the agent's approval rules cannot be read");
      return Optional.of(new CallOutcome.RpcError(CONTENT_DENIED, "denied: the agent's approval rules cannot be read"));
    }
    Optional<ApprovalPolicy.Match> match = approvals.matchFor(qualified, arguments);
    Optional<ApprovalRule> rule = match.map(ApprovalPolicy.Match::rule);
    Optional<Distrust> distrust = distrust(tenant, server.name(), kind);
    if (distrust.isPresent() && rule.isEmpty()) {
      rule = Optional.of(DISTRUST);
    }
    if (rule.isEmpty()) {
      return Optional.empty();
    }
    Optional<CallOutcome> held = approvalGate(tenant, keyId, sessionHash(sessionId), agent, qualified, arguments, rule,
        Optional.empty(), distrust, reason(match, distrust), reachable);
    // The gate answers in tool results; reads have no such result, so its answers become errors.
    return held.map(outcome -> switch (outcome) {
      case CallOutcome.Pending p -> new CallOutcome.RpcError(CONTENT_PENDING_APPROVAL,
          p.result().path("content").path(0).path("text").asText().replace("this call needs", "this read needs"),
          Optional.of(p.result().path("_meta")));
      case CallOutcome.Result r -> new CallOutcome.RpcError(CONTENT_DENIED, r.result().path("content").path(0).path("text").asText());
      case CallOutcome.RpcError e -> e;
    });
  }

  private CallOutcome forwardContent(TenantId tenant, String sessionId, Agent agent, McpServer server, String kind,
      String method, ObjectNode params, Map<String, String> what,
      java.util.function.Function<JsonNode, List<ObjectNode>> texts) {
    String actor = "agent:" + agent.name();
    TrustSubject subject = TrustSubject.tool(server.name(), kind);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("agent", agent.name());
    body.put("method", method);
    body.putAll(what);
    JsonNode result;
    try (UpstreamClient upstream = UpstreamClient.connect(egress(tenant, server.authRef().map(SecretRef::parse), CALL_TIMEOUT),
        server.url())) {
      result = rpcRelayingLogs(upstream, tenant, sessionId, server.name(), method, params);
    } catch (UpstreamClient.UpstreamRpcError e) {
      trust.record(tenant, subject, EvidenceKind.ERROR, "rpc_error " + e.rpcCode());
      body.put("outcome", "upstream_error");
      int code = e.codeForAgent();
      return recorded(tenant, actor, body, new CallOutcome.RpcError(code, scanner.redactSecrets(e.getMessage())));
    } catch (McpException e) {
      switch (e.code()) {
        case "upstream_timeout" -> trust.record(tenant, subject, EvidenceKind.TIMEOUT, e.code());
        case "upstream_denied" -> { }
        default -> trust.record(tenant, TrustSubject.mcpServer(server.name()), EvidenceKind.ERROR, e.code());
      }
      body.put("outcome", e.code());
      return recorded(tenant, actor, body, new CallOutcome.RpcError(-32603, "upstream " + server.name() + ": " + e.getMessage()));
    }
    Cleaned cleaned = clean(result, InjectionSettings.parse(agent.injection()), texts);
    if (cleaned.redactions() > 0 || cleaned.action().compareTo(Action.ALLOW) > 0) {
      trust.record(tenant, subject, EvidenceKind.OUTPUT_FINDING,
          "redacted_secrets=" + cleaned.redactions() + " injection=" + cleaned.action().label());
    }
    body.put("outcome", "ok");
    body.put("redacted_secrets", cleaned.redactions());
    body.put("injection_action", cleaned.action().label());
    return recorded(tenant, actor, body, new CallOutcome.Result(cleaned.result()));
  }

  /**
   * Passes on an upstream progress notification for {@code token}: numbers as sent, the message
   * secret-redacted and left out when the agent's verdict settings would do anything to it.
   */
  private void relayProgress(JsonNode notification, String token, ContentScanner judged,
      java.util.function.Consumer<ObjectNode> progress) {
    JsonNode p = notification.path("params");
    if (!notification.path("method").asText().equals("notifications/progress")
        || !p.path("progressToken").asText().equals(token) || !p.path("progress").isNumber()) {
      return;
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.set("progress", p.get("progress"));
    if (p.path("total").isNumber()) {
      out.set("total", p.get("total"));
    }
    if (p.path("message").isTextual()) {
      String message = scanner.redactSecrets(p.path("message").textValue());
      boolean injected = judged.scan(message, EnumSet.of(ScanKind.INJECTION), ContentSource.TOOL_OUTPUT).verdict()
          .map(v -> v.action().compareTo(Action.ALLOW) > 0).orElse(false);
      if (!injected) {
        out.put("message", message);
      }
    }
    progress.accept(out);
  }

  private record Cleaned(JsonNode result, int redactions, Action action) {}

  /**
   * Redacts secrets in every string of the result, and handles text that reads like a prompt
   * injection by the agent's verdict settings for tool output: annotated, wrapped as untrusted
   * data, or withheld.
   */
  private Cleaned clean(JsonNode result, InjectionPolicy injection) {
    return clean(result, injection, r -> textItems(r.path("content")));
  }

  /**
   * As {@link #clean(JsonNode, InjectionPolicy)}, for any result: {@code texts} names the objects
   * whose {@code text} member is content to judge (text content items, resource contents, prompt
   * messages).
   */
  private Cleaned clean(JsonNode result, InjectionPolicy injection,
      java.util.function.Function<JsonNode, List<ObjectNode>> texts) {
    int[] redactions = {0};
    JsonNode redacted = redact(result, redactions);
    Action worst = Action.ALLOW;
    ContentScanner judged = scanner.withPolicy(injection);
    for (ObjectNode item : texts.apply(redacted)) {
      String text = item.path("text").textValue();
      var verdict = judged.scan(text, EnumSet.of(ScanKind.INJECTION), ContentSource.TOOL_OUTPUT).verdict();
      Action action = verdict.map(v -> v.action()).orElse(Action.ALLOW);
      if (action.compareTo(worst) > 0) {
        worst = action;
      }
      switch (action) {
        case QUARANTINE -> item.put("text", UntrustedContent.wrap(text, ContentSource.TOOL_OUTPUT, random).text());
        case BLOCK -> item.put("text", "[withheld by AgentWarden: this content reads as a prompt injection]");
        default -> { }
      }
    }
    if (worst.compareTo(Action.ALLOW) > 0 && redacted.isObject()) {
      ((ObjectNode) redacted).withObject("_meta").put("io.agentwarden/injection", worst.label());
    }
    return new Cleaned(redacted, redactions[0], worst);
  }

  /** The text content items of a content array (tool results), and the text of embedded resources. */
  private static List<ObjectNode> textItems(JsonNode content) {
    List<ObjectNode> out = new ArrayList<>();
    if (content.isArray()) {
      content.forEach(item -> textOf(item, out));
    }
    return out;
  }

  private static void textOf(JsonNode item, List<ObjectNode> out) {
    if (item.isObject() && item.path("type").asText().equals("text") && item.path("text").isTextual()) {
      out.add((ObjectNode) item);
    } else if (item.isObject() && item.path("type").asText().equals("resource")
        && item.path("resource").path("text").isTextual()) {
      out.add((ObjectNode) item.path("resource"));
    }
  }

  private JsonNode redact(JsonNode node, int[] count) {
    if (node.isTextual()) {
      String clean = scanner.redactSecrets(node.textValue());
      if (!clean.equals(node.textValue())) {
        count[0]++;
        return TextNode.valueOf(clean);
      }
      return node;
    }
    if (node.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      node.properties().forEach(e -> out.set(e.getKey(), redact(e.getValue(), count)));
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> out.add(redact(n, count)));
      return out;
    }
    return node;
  }

  private List<String> scanDescription(ToolIdentity t) {
    JsonNode tool = ToolIdentity.toolOf(t.canonical());
    String text = CanonicalJson.parse(t.canonical()).path("instructions").asText("") + "\n"
        + tool.path("title").asText("") + "\n" + tool.path("description").asText("") + "\n"
        + tool.path("inputSchema").toString();
    var result = scanner.scan(text, EnumSet.of(ScanKind.INJECTION, ScanKind.UNICODE), ContentSource.TOOL_OUTPUT);
    List<String> out = new ArrayList<>();
    result.findings().forEach(f -> out.add(f.kind().label() + ":" + f.ruleId()));
    result.injection().filter(a -> a.flagged()).ifPresent(a -> out.add("injection:score=" + a.score()));
    return out;
  }

  /** What an upstream lists: its instructions, tools, and prompts, resources and resource templates. */
  private record Listing(String instructions, List<ToolIdentity> tools, List<ContentIdentity> items) {}

  private Listing fetch(TenantId tenant, String url, Optional<SecretRef> auth) {
    try (UpstreamClient upstream = UpstreamClient.connect(egress(tenant, auth, Duration.ofSeconds(30)), url)) {
      List<ToolIdentity> tools = new ArrayList<>();
      Set<String> names = new java.util.HashSet<>();
      for (JsonNode t : upstream.listTools()) {
        ToolIdentity id = ToolIdentity.of(t, upstream.instructions());
        if (!names.add(id.name())) {
          throw new McpException("upstream_protocol_error", "the upstream lists tool '" + id.name() + "' twice");
        }
        tools.add(id);
      }
      List<ContentIdentity> items = new ArrayList<>();
      if (upstream.offers("prompts")) {
        addItems(items, McpServers.PROMPT, listOrNone(upstream, "prompts/list", "prompts"));
      }
      if (upstream.offers("resources")) {
        addItems(items, McpServers.RESOURCE, listOrNone(upstream, "resources/list", "resources"));
        addItems(items, McpServers.RESOURCE_TEMPLATE, listOrNone(upstream, "resources/templates/list", "resourceTemplates"));
      }
      return new Listing(upstream.instructions(), tools, items);
    } catch (UpstreamClient.UpstreamRpcError e) {
      throw new McpException("upstream_error", "the upstream refused: " + scanner.redactSecrets(e.getMessage()));
    }
  }

  /** A list the upstream may not implement although it declares the capability (-32601): then none. */
  private static List<JsonNode> listOrNone(UpstreamClient upstream, String method, String member) {
    try {
      return upstream.listAll(method, member);
    } catch (UpstreamClient.UpstreamRpcError e) {
      if (e.rpcCode() == -32601) {
        return List.of();
      }
      throw e;
    }
  }

  /** Pins each listed item once; a later duplicate of a name is ignored (the first one listed is what agents see). */
  private static void addItems(List<ContentIdentity> out, String kind, List<JsonNode> listed) {
    Set<String> names = new java.util.HashSet<>();
    for (JsonNode item : listed) {
      ContentIdentity id = ContentIdentity.of(kind, item);
      if (names.add(id.name())) {
        out.add(id);
      }
    }
  }

  /** How sync reports and audit records name an item: {@code @prompts/greet}, {@code @resources/<uri>}, ... */
  private static String label(String kind, String name) {
    return switch (kind) {
      case McpServers.PROMPT -> PROMPTS + "/" + name;
      case McpServers.RESOURCE -> RESOURCES + "/" + name;
      case McpServers.RESOURCE_TEMPLATE -> "@resource-templates/" + name;
      default -> name;
    };
  }

  /** Scans what of a prompt or resource reaches the model as a description ("tool poisoning"). */
  private List<String> scanItem(ContentIdentity i) {
    JsonNode item = ContentIdentity.itemOf(i.canonical());
    String text = item.path("name").asText("") + "\n" + item.path("title").asText("") + "\n"
        + item.path("description").asText("") + "\n" + item.path("arguments").toString();
    var result = scanner.scan(text, EnumSet.of(ScanKind.INJECTION, ScanKind.UNICODE), ContentSource.TOOL_OUTPUT);
    List<String> out = new ArrayList<>();
    result.findings().forEach(f -> out.add(f.kind().label() + ":" + f.ruleId()));
    result.injection().filter(a -> a.flagged()).ifPresent(a -> out.add("injection:score=" + a.score()));
    return out;
  }

  /**
   * The egress client of a long-lived upstream event stream: the tenant's policy as it is now
   * (a change applies from the next reconnection), a read timeout after which a silent stream is
   * reopened, and a total lifetime.
   */
  ScrubbingEgress streamEgress(TenantId tenant, Optional<SecretRef> auth, Duration idle, Duration lifetime) {
    return egress(tenant, auth, idle, lifetime, 64L * 1024 * 1024);
  }

  private ScrubbingEgress egress(TenantId tenant, Optional<SecretRef> auth, Duration total) {
    return egress(tenant, auth, total, total, 8L * 1024 * 1024);
  }

  private ScrubbingEgress egress(TenantId tenant, Optional<SecretRef> auth, Duration read, Duration total, long maxBytes) {
    NetworkPolicy network = policies.find(tenant, TenantPolicies.DEFAULT).map(Policy::network).orElse(NetworkPolicy.denyAll());
    EgressClient.Builder b = EgressClient.builder(network)
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(read)
        .totalTimeout(total)
        .maxResponseBytes(maxBytes);
    CopyOnWriteArrayList<BrokeredSecret> released = new CopyOnWriteArrayList<>();
    if (auth.isPresent()) {
      SecretRef ref = auth.get();
      b.credentials(destination -> {
        BrokeredSecret brokered = vault.broker(tenant, ref, destination.url().host());
        released.add(brokered);
        return Map.of(brokered.headerName(), brokered.headerValue());
      });
    }
    trustStore.ifPresent(b::trustStore);
    return ScrubbingEgress.of(b.build(), released);
  }

  private static String jsonList(List<String> items) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    items.forEach(a::add);
    return a.toString();
  }

  void refuse(TenantId tenant, String actor, String tool, String rule, String reason) {
    audit.record(tenant, actor, "policy.decided", Map.of("action", "tool.call", "tool", tool, "verdict", "deny",
        "rule", rule, "reason", reason));
  }

  private static CallOutcome toolError(String message) {
    return new CallOutcome.Result(toolErrorNode(message));
  }

  private static ObjectNode toolErrorNode(String message) {
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.putArray("content").addObject().put("type", "text").put("text", message);
    r.put("isError", true);
    return r;
  }

  /**
   * Hears the log messages ({@code notifications/message}) upstreams send while they serve an
   * agent session's requests; the session decides what it wants to hear.
   */
  interface LogListener {
    /** The least severe level the session asked for ({@code logging/setLevel}); empty: it hears no logs. */
    Optional<LogLevel> level(TenantId tenant, String sessionId);

    /** {@code masked}: strings of the upstream's own state to mask in the message (its session id). */
    void log(TenantId tenant, String sessionId, String server, JsonNode notification, List<String> masked);
  }

  private volatile LogListener logs = new LogListener() {
    @Override
    public Optional<LogLevel> level(TenantId tenant, String sessionId) {
      return Optional.empty();
    }

    @Override
    public void log(TenantId tenant, String sessionId, String server, JsonNode notification, List<String> masked) {
    }
  };

  /** Where upstream log messages of agents' sessions go (the endpoint, which holds the sessions). */
  void onUpstreamLog(LogListener listener) {
    this.logs = listener;
  }

  /**
   * Sends one request for an agent session; the log messages the upstream sends meanwhile go to
   * the session, when it asked for a level (which the upstream is then asked for too).
   */
  JsonNode rpcRelayingLogs(UpstreamClient upstream, TenantId tenant, String sessionId, String server, String method,
      JsonNode params) {
    Optional<LogLevel> level = logs.level(tenant, sessionId);
    if (level.isEmpty()) {
      return upstream.rpc(method, params);
    }
    if (upstream.offers("logging")) {
      setLevel(upstream, level.get());
    }
    return upstream.rpc(method, params, n -> {
      if (LogRelay.METHOD.equals(n.path("method").asText())) {
        logs.log(tenant, sessionId, server, n, upstream.sessionId().stream().toList());
      }
    });
  }

  /**
   * Asks the upstream for logs at {@code level} and above on this session; an upstream that
   * refuses still has its messages filtered by the gateway.
   */
  static void setLevel(UpstreamClient upstream, LogLevel level) {
    try {
      upstream.rpc("logging/setLevel", JsonNodeFactory.instance.objectNode().put("level", level.wire()));
    } catch (McpException e) {
      // The gateway filters by the session's level in any case.
    }
  }

  ContentScanner scanner() {
    return scanner;
  }

  /** The egress of one request to an upstream on behalf of an agent (deadline {@link #CALL_TIMEOUT}). */
  ScrubbingEgress callEgress(TenantId tenant, McpServer server) {
    return egress(tenant, server.authRef().map(SecretRef::parse), CALL_TIMEOUT);
  }

  /** The pinned item ({@link McpServers#PROMPT}, {@link McpServers#RESOURCE}, ...) {@code name} of a server, while listed. */
  Optional<McpTool> pinnedItem(TenantId tenant, UUID serverId, String kind, String name) {
    return db.inTenant(tenant, tx -> McpServers.item(tx, serverId, kind, name)).filter(t -> !t.removed());
  }

  /** The pinned resource {@code uri}, or else the pinned template it expands (as {@code resources/read} finds it). */
  Optional<McpTool> pinnedResource(TenantId tenant, UUID serverId, String uri) {
    return db.inTenant(tenant, tx -> pinnedResource(tx, serverId, uri));
  }

  /** The server as stored now, if it still exists. */
  Optional<McpServer> server(TenantId tenant, UUID serverId) {
    return db.inTenant(tenant, tx -> McpServers.find(tx, serverId));
  }

  /**
   * An agent ended its MCP session: the session allows approvers gave it end with it, recorded
   * as {@code session_allow.ended} in the same transaction (fail closed: no record, no end).
   */
  public void sessionEnded(TenantId tenant, String actor, String sessionId) {
    db.inTenant(tenant, tx -> {
      List<UUID> ended = SessionAllows.endSession(tx, sessionHash(sessionId), clock.instant());
      if (!ended.isEmpty()) {
        audit.record(tx, actor, "session_allow.ended", Map.of("reason", "session_ended",
            "allow_ids", ended.stream().map(UUID::toString).toList()));
      }
      return null;
    });
  }

  /** A session is named by the hash of its id, so the database never holds a live session id. */
  private static String sessionHash(String sessionId) {
    return java.util.HexFormat.of().formatHex(dev.agentwarden.core.crypto.Sha256.hash(
        sessionId.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** The agent an agent-role key acts as, if the key is linked to one. */
  public Optional<Agent> agentForKey(TenantId tenant, UUID keyId) {
    return db.inTenant(tenant, tx -> Agents.findByKey(tx, keyId));
  }
}
