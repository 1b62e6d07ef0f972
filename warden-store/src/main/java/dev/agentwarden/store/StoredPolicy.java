package dev.agentwarden.store;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One stored version of a tenant's policy document, as the author wrote it.
 *
 * @param sha256 lowercase hex SHA-256 of the UTF-8 document, to cite in audit records
 * @param createdBy the API key that stored it, when known
 */
public record StoredPolicy(
    UUID id, String name, int version, String document, String sha256, Optional<UUID> createdBy, Instant createdAt) {}
