package dev.agentwarden.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.approval.ApprovalPayload;
import dev.agentwarden.store.McpServers;
import java.util.Objects;

/**
 * The pinned identity of one prompt, resource or resource template of an upstream, like {@link
 * ToolIdentity} for tools: the whole item as listed (name, title, description, arguments, URI,
 * MIME type, annotations, icons, {@code _meta}), in RFC 8785 canonical form, and its SHA-256. What
 * describes the content rather than the item — a resource's {@code size} and {@code
 * annotations.lastModified} — is left out, so new content under the same description is not a
 * change. A different hash quarantines the item until an admin re-approves it.
 *
 * @param kind {@link McpServers#PROMPT}, {@link McpServers#RESOURCE} or {@link McpServers#RESOURCE_TEMPLATE}
 * @param name the prompt's name, the resource's URI or the template's URI template, upstream
 * @param canonical the canonical JSON of {@code {"kind": ..., "item": ...}}
 * @param sha256 the hash of {@code canonical}
 */
record ContentIdentity(String kind, String name, String canonical, String sha256) {
  ContentIdentity {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(canonical, "canonical");
    Objects.requireNonNull(sha256, "sha256");
  }

  /** The member naming an item of {@code kind}: {@code name}, {@code uri} or {@code uriTemplate}. */
  static String nameMember(String kind) {
    return switch (kind) {
      case McpServers.PROMPT -> "name";
      case McpServers.RESOURCE -> "uri";
      case McpServers.RESOURCE_TEMPLATE -> "uriTemplate";
      default -> throw new IllegalArgumentException("not a content kind: " + kind);
    };
  }

  /** The identity of {@code item}, listed by its server as {@code kind}. */
  static ContentIdentity of(String kind, JsonNode item) {
    JsonNode name = item.path(nameMember(kind));
    int max = kind.equals(McpServers.PROMPT) ? 128 : 2000;
    if (!item.isObject() || !name.isTextual() || name.textValue().isEmpty() || name.textValue().length() > max) {
      throw new McpException("upstream_protocol_error", "an upstream " + kind.replace('_', ' ') + " has no valid "
          + nameMember(kind));
    }
    ObjectNode copy = ((ObjectNode) item).deepCopy();
    copy.remove("size");
    if (copy.path("annotations").isObject()) {
      ((ObjectNode) copy.get("annotations")).remove("lastModified");
    }
    ObjectNode identity = JsonNodeFactory.instance.objectNode();
    identity.put("kind", kind);
    identity.set("item", copy);
    ApprovalPayload p = ApprovalPayload.of(identity);
    return new ContentIdentity(kind, name.textValue(), p.canonical(), p.sha256());
  }

  /** The item inside a stored identity. */
  static JsonNode itemOf(String canonical) {
    return dev.agentwarden.core.json.CanonicalJson.parse(canonical).path("item");
  }
}
