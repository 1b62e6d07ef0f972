package dev.agentwarden.core.audit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.json.CanonicalJson;
import java.time.Instant;

/**
 * The lines of an audit export (JSON Lines, UTF-8, one canonical JSON object per line): a header,
 * the public keys, the events in seq order, and a final signed tree head. {@link ExportVerifier}
 * reads them back; {@code docs/audit-format.md} specifies them.
 */
public final class AuditExport {
  /** The {@code format} member of the header line. */
  public static final String FORMAT = "agentwarden.audit.export";

  private AuditExport() {}

  public static String headerLine(String tenantId, long fromSeq, Instant exportedAt) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("kind", "header");
    n.put("format", FORMAT);
    n.put("v", AuditChain.FORMAT_VERSION);
    n.put("catalogue_version", AuditEventType.CATALOGUE_VERSION);
    n.put("tenant_id", tenantId);
    n.put("genesis", AuditChain.genesis(tenantId).hex());
    n.put("from_seq", fromSeq);
    n.put("exported_at", AuditTime.format(exportedAt));
    return CanonicalJson.canonicalString(n);
  }

  public static String keyLine(AuditKey key) {
    ObjectNode n = key.toJson();
    n.put("kind", "key");
    return CanonicalJson.canonicalString(n);
  }

  public static String eventLine(AuditEvent event) {
    ObjectNode n = event.toJson();
    n.put("kind", "event");
    return CanonicalJson.canonicalString(n);
  }

  public static String headLine(TreeHead head) {
    return CanonicalJson.canonicalString(head.toJson());
  }
}
