package dev.agentwarden.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.trust.EvidenceKind;
import dev.agentwarden.core.trust.TrustSubject;
import dev.agentwarden.store.TrustLedger;
import java.util.Optional;
import java.util.Set;

/**
 * Trust evidence against model providers, read from the one record of each model call: the
 * provider failing or not answering, and secrets redacted from what it returned. Refusals that
 * are the caller's or the tenant's doing (budgets, policy, a bad request, a denied address) are
 * no evidence against the provider.
 */
final class ModelTrustEvidence {
  private static final Set<String> ERRORS = Set.of("upstream_error", "upstream_unreachable", "upstream_bad_response",
      "upstream_disconnected", "upstream_auth_failed");
  private static final String TIMEOUT = "upstream_timeout";

  private ModelTrustEvidence() {}

  /** Records to {@code inner} (the audit chain) first, then the evidence the record shows. */
  static ModelCallAudit around(ModelCallAudit inner, TrustLedger ledger) {
    return (tenant, actor, record, alongside) -> {
      inner.modelCalled(tenant, actor, record, alongside);
      if (!record.path("provider").isTextual() || record.path("provider").asText().isEmpty()) {
        return;
      }
      TrustSubject provider = TrustSubject.provider(record.path("provider").asText());
      Optional<EvidenceKind> kind = failure(record);
      if (kind.isPresent()) {
        ledger.record(tenant, provider, kind.get(), failureCode(record));
      }
      if (record.path("redactions_out").isArray() && !record.path("redactions_out").isEmpty()) {
        ledger.record(tenant, provider, EvidenceKind.OUTPUT_FINDING,
            "redacted_secrets=" + record.path("redactions_out").size());
      }
    };
  }

  private static String failureCode(ObjectNode record) {
    String code = record.path("code").asText("");
    return code.isEmpty() ? record.path("outcome").asText("") : code;
  }

  private static Optional<EvidenceKind> failure(ObjectNode record) {
    String code = failureCode(record);
    if (code.equals(TIMEOUT)) {
      return Optional.of(EvidenceKind.TIMEOUT);
    }
    return ERRORS.contains(code) ? Optional.of(EvidenceKind.ERROR) : Optional.empty();
  }
}
