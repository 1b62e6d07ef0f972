package dev.agentwarden.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.approval.ApprovalPayload;
import java.util.Objects;

/**
 * The full identity of one upstream tool, as pinned: the whole tool object the upstream listed
 * (name, title, description, input and output schema, annotations, icons, _meta — nothing is
 * left out, so any change is a change) together with the server's instructions, in RFC 8785
 * canonical form, and its SHA-256. A different hash is a different tool: a rug pull, a rename,
 * a schema change or new instructions all quarantine it.
 *
 * @param name the tool's name upstream
 * @param canonical the canonical JSON of {@code {"instructions": ..., "tool": ...}}
 * @param sha256 the hash of {@code canonical}
 */
public record ToolIdentity(String name, String canonical, String sha256) {
  public ToolIdentity {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(canonical, "canonical");
    Objects.requireNonNull(sha256, "sha256");
  }

  /** The identity of {@code tool} as listed by a server with {@code instructions}. */
  public static ToolIdentity of(JsonNode tool, String instructions) {
    JsonNode name = tool.path("name");
    if (!name.isTextual() || name.textValue().isEmpty() || name.textValue().length() > 128) {
      throw new McpException("upstream_protocol_error", "an upstream tool has no valid name");
    }
    ObjectNode identity = JsonNodeFactory.instance.objectNode();
    identity.put("instructions", instructions);
    identity.set("tool", tool);
    ApprovalPayload p = ApprovalPayload.of(identity);
    return new ToolIdentity(name.textValue(), p.canonical(), p.sha256());
  }

  /** The tool object inside a stored identity. */
  static JsonNode toolOf(String canonical) {
    return dev.agentwarden.core.json.CanonicalJson.parse(canonical).path("tool");
  }
}
