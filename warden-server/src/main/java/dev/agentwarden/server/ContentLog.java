package dev.agentwarden.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.audit.AuditEntry;
import dev.agentwarden.core.json.CanonicalJson;
import dev.agentwarden.core.scan.ContentScanner;
import java.util.Map;
import java.util.TreeMap;

/**
 * The content of one model call, kept for its audit record only where the tenant turned content
 * logging on: the messages as sent to the provider and the answer as delivered to the agent.
 * Every text is redacted by the secrets scanner here (the pinned system prompt included, which
 * the provider gets unredacted) and the answer is scrubbed of the brokered key, so a secret never
 * reaches the record. Texts are cut at {@link #MAX_TEXT_CHARS}; a record that would still exceed
 * the audit body limit keeps only a note that the content was left out.
 */
final class ContentLog {
  static final int MAX_TEXT_CHARS = 4_000;
  /** Room left in an audit body for everything but the content. */
  private static final int MAX_RECORD_BYTES = AuditEntry.MAX_BODY_BYTES - 4_096;

  private final ContentScanner scanner;
  private final ObjectNode content = JsonNodeFactory.instance.objectNode();
  private final Map<String, StringBuilder> delivered = new TreeMap<>();

  private ContentLog(ContentScanner scanner) {
    this.scanner = scanner;
  }

  /** Starts the content of a call with its outgoing messages, and puts it into {@code record}. */
  static ContentLog of(ArrayNode messages, ContentScanner scanner, ObjectNode record) {
    ContentLog log = new ContentLog(scanner);
    ArrayNode out = log.content.putArray("messages");
    for (JsonNode m : messages) {
      ObjectNode entry = out.addObject();
      entry.put("role", m.path("role").asText());
      entry.put("content", log.clean(ModelProxyService.text(m.get("content"))));
      for (JsonNode tc : m.path("tool_calls")) {
        entry.withArray("tool_calls").addObject()
            .put("name", log.clean(tc.path("function").path("name").asText("")))
            .put("arguments", log.clean(tc.path("function").path("arguments").asText("")));
      }
    }
    record.set("content", log.content);
    return log;
  }

  /** The answer of a whole (non-streamed) call, after the output guards. */
  void answer(ObjectNode answer, CredentialBroker.Brokering key) {
    ArrayNode response = content.putArray("response");
    for (JsonNode choice : answer.path("choices")) {
      int index = choice.path("index").asInt(0);
      JsonNode message = choice.path("message");
      if (message.path("content").isTextual()) {
        response.addObject().put("choice", index).put("content", clean(key.scrub(message.get("content").asText())));
      }
      int tool = 0;
      for (JsonNode tc : message.path("tool_calls")) {
        response.addObject().put("choice", index).put("tool_call", tool++)
            .put("name", clean(key.scrub(tc.path("function").path("name").asText(""))))
            .put("arguments", clean(key.scrub(tc.path("function").path("arguments").asText(""))));
      }
    }
  }

  /**
   * Text a stream delivered for one output: {@code c<choice>} for content, {@code
   * t<choice>.<tool call>} for tool-call arguments.
   */
  void delivered(String output, String text) {
    StringBuilder sb = delivered.computeIfAbsent(output, k -> new StringBuilder());
    if (sb.length() <= MAX_TEXT_CHARS) {
      sb.append(text, 0, Math.min(text.length(), MAX_TEXT_CHARS + 1 - sb.length()));
    }
  }

  /** Completes the content in {@code record} (the streamed answer, if any) and fits it to the limit. */
  void into(ObjectNode record) {
    if (!delivered.isEmpty()) {
      ArrayNode response = content.putArray("response");
      for (Map.Entry<String, StringBuilder> e : delivered.entrySet()) {
        String id = e.getKey();
        ObjectNode entry = response.addObject();
        if (id.startsWith("c")) {
          entry.put("choice", Integer.parseInt(id.substring(1))).put("content", clean(e.getValue().toString()));
        } else {
          entry.put("choice", Integer.parseInt(id.substring(1, id.indexOf('.'))))
              .put("tool_call", Integer.parseInt(id.substring(id.indexOf('.') + 1)))
              .put("arguments", clean(e.getValue().toString()));
        }
      }
    }
    record.set("content", content);
    fit(record);
  }

  /** Leaves the content out of a record that would not fit an audit body. */
  static void fit(ObjectNode record) {
    if (record.has("content") && CanonicalJson.canonicalize(record).length > MAX_RECORD_BYTES) {
      record.putObject("content").put("omitted", "too_large");
    }
  }

  /** Redacted first, then cut: a cut never leaves part of a secret the scanner would have found. */
  private String clean(String text) {
    String redacted = scanner.redactSecrets(text);
    return redacted.length() > MAX_TEXT_CHARS ? redacted.substring(0, MAX_TEXT_CHARS) + "…[truncated]" : redacted;
  }
}
