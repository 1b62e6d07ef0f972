package dev.agentwarden.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.scan.ContentScanner;
import dev.agentwarden.core.scan.ContentSource;
import dev.agentwarden.core.scan.Finding;
import dev.agentwarden.core.scan.ScanKind;
import dev.agentwarden.store.Agent;
import dev.agentwarden.store.McpServer;
import dev.agentwarden.store.McpServers;
import dev.agentwarden.store.McpTool;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code completion/complete} for the prompts and resource templates an agent has attached
 * ({@code server/@prompts}, {@code server/@resources}): the reference names the prompt ({@code
 * server__prompt}) or template ({@code server+uri}) in the gateway's namespace, and is refused
 * like {@code prompts/get} or {@code resources/read} of an unattached server, before anything
 * reaches an upstream; the prompt or template must be pinned and not quarantined. It is not a
 * read, so no policy or approval rule applies. What the agent typed is scanned for secrets (it leaves the gateway); each
 * suggested value is the upstream's output: secret-redacted, and left out when it reads as an
 * injection or carries hidden Unicode, like the items of a listing.
 */
final class Completions {
  /** The protocol's limit on the values of one completion. */
  static final int MAX_VALUES = 100;

  private final McpGateway gateway;

  Completions(McpGateway gateway) {
    this.gateway = gateway;
  }

  /** Completes for {@code agent} in the MCP session {@code sessionId} (whose log level applies to the upstream's logs meanwhile). */
  McpGateway.CallOutcome complete(TenantId tenant, String sessionId, Agent agent, JsonNode params) {
    String actor = "agent:" + agent.name();
    JsonNode ref = params.path("ref");
    JsonNode argument = params.path("argument");
    if (!argument.path("name").isTextual() || !argument.path("value").isTextual()) {
      return new McpGateway.CallOutcome.RpcError(-32602, "Invalid params: argument.name and argument.value are required");
    }
    String type = ref.path("type").asText("");
    boolean prompt = type.equals("ref/prompt");
    if (!prompt && !type.equals("ref/resource")) {
      return new McpGateway.CallOutcome.RpcError(-32602, "Invalid params: ref.type must be ref/prompt or ref/resource");
    }
    JsonNode exposedNode = ref.path(prompt ? "name" : "uri");
    if (!exposedNode.isTextual()) {
      return new McpGateway.CallOutcome.RpcError(-32602, "Invalid params: ref." + (prompt ? "name" : "uri") + " is required");
    }
    String exposed = exposedNode.textValue();
    String separator = prompt ? McpGateway.SEPARATOR : McpGateway.URI_SEPARATOR;
    int sep = exposed.indexOf(separator);
    Optional<McpServer> server = sep <= 0 ? Optional.empty()
        : gateway.serversWith(tenant, agent, prompt ? McpGateway.PROMPTS : McpGateway.RESOURCES).stream()
            .filter(s -> s.name().equals(exposed.substring(0, sep))).findFirst();
    if (server.isEmpty()) {
      gateway.refuse(tenant, actor, exposed, prompt ? "prompts.not_attached" : "resources.not_attached",
          "completion for a " + (prompt ? "prompt" : "resource") + " of no attached server");
      return new McpGateway.CallOutcome.RpcError(-32602, "Invalid params: " + (prompt ? "prompt " : "resource template ")
          + exposed + " not found");
    }
    String upstreamName = exposed.substring(sep + separator.length());
    // A prompt, or a template (or fixed resource) the SDKs complete, as pinned at the last sync.
    Optional<McpTool> pinned = prompt
        ? gateway.pinnedItem(tenant, server.get().id(), McpServers.PROMPT, upstreamName)
        : gateway.pinnedItem(tenant, server.get().id(), McpServers.RESOURCE_TEMPLATE, upstreamName)
            .or(() -> gateway.pinnedItem(tenant, server.get().id(), McpServers.RESOURCE, upstreamName));
    if (pinned.isEmpty()) {
      gateway.refuse(tenant, actor, exposed, prompt ? "prompts.not_pinned" : "resources.not_pinned",
          "the upstream lists no such " + (prompt ? "prompt" : "resource or template"));
      return new McpGateway.CallOutcome.RpcError(-32602, "Invalid params: " + (prompt ? "prompt " : "resource template ")
          + exposed + " not found");
    }
    if (pinned.get().quarantined()) {
      gateway.refuse(tenant, actor, exposed, "mcp.quarantined", "quarantined until an admin re-approves it");
      return new McpGateway.CallOutcome.RpcError(McpGateway.CONTENT_DENIED, exposed
          + " is quarantined: its identity changed or awaits review by an admin");
    }
    ObjectNode upstreamParams = JsonNodeFactory.instance.objectNode();
    upstreamParams.putObject("ref").put("type", type)
        .put(prompt ? "name" : "uri", upstreamName);
    upstreamParams.putObject("argument").put("name", argument.path("name").textValue())
        .put("value", argument.path("value").textValue());
    JsonNode contextArguments = params.path("context").path("arguments");
    if (contextArguments.isObject()) {
      upstreamParams.putObject("context").set("arguments", contextArguments);
    }
    ContentScanner scanner = gateway.scanner();
    List<Finding> secrets = scanner.scan(upstreamParams.path("argument").toString() + "\n" + contextArguments,
        Set.of(ScanKind.SECRETS), ContentSource.USER).findings();
    if (!secrets.isEmpty()) {
      gateway.refuse(tenant, actor, exposed, "scan.secret_in_arguments", secrets.get(0).ruleId());
      return new McpGateway.CallOutcome.RpcError(-32602,
          "denied: the arguments contain a secret (" + secrets.get(0).ruleId() + ")");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("agent", agent.name());
    body.put("method", "completion/complete");
    body.put(prompt ? "prompt" : "resource", exposed);
    JsonNode result;
    try (UpstreamClient upstream = UpstreamClient.connect(gateway.callEgress(tenant, server.get()), server.get().url())) {
      result = gateway.rpcRelayingLogs(upstream, tenant, sessionId, server.get().name(), "completion/complete",
          upstreamParams);
    } catch (UpstreamClient.UpstreamRpcError e) {
      body.put("outcome", "upstream_error");
      int code = e.codeForAgent();
      return gateway.recorded(tenant, actor, body,
          new McpGateway.CallOutcome.RpcError(code, scanner.redactSecrets(String.valueOf(e.getMessage()))));
    } catch (McpException e) {
      body.put("outcome", e.code());
      return gateway.recorded(tenant, actor, body, new McpGateway.CallOutcome.RpcError(-32603, "upstream "
          + server.get().name() + ": " + scanner.redactSecrets(String.valueOf(e.getMessage()))));
    }
    JsonNode completion = result.path("completion");
    ArrayNode values = JsonNodeFactory.instance.arrayNode();
    int redacted = 0;
    int leftOut = 0;
    for (JsonNode v : completion.path("values")) {
      if (!v.isTextual() || values.size() >= MAX_VALUES) {
        leftOut++;
        continue;
      }
      String clean = scanner.redactSecrets(v.textValue());
      if (!clean.equals(v.textValue())) {
        redacted++;
      }
      var scan = scanner.scan(clean, EnumSet.of(ScanKind.INJECTION, ScanKind.UNICODE), ContentSource.TOOL_OUTPUT);
      if (!scan.findings().isEmpty() || scan.injection().filter(a -> a.flagged()).isPresent()) {
        leftOut++;
        continue;
      }
      values.add(clean);
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ObjectNode c = out.putObject("completion");
    c.set("values", values);
    if (completion.path("total").canConvertToLong() && completion.path("total").isIntegralNumber()) {
      c.put("total", Math.max(values.size(), completion.path("total").asLong() - leftOut));
    }
    if (completion.path("hasMore").isBoolean()) {
      c.put("hasMore", completion.path("hasMore").booleanValue());
    }
    body.put("outcome", "ok");
    body.put("redacted_secrets", redacted);
    body.put("left_out", leftOut);
    // Handed over only once its record is durable, like every other upstream result.
    return gateway.recorded(tenant, actor, body, new McpGateway.CallOutcome.Result(out));
  }
}
