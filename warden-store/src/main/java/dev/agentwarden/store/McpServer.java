package dev.agentwarden.store;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * An upstream MCP server of a tenant (Streamable HTTP). {@code authRef} is a {@code vault://}
 * reference; the token stays in the vault.
 */
public record McpServer(
    UUID id,
    String name,
    String url,
    Optional<String> authRef,
    boolean enabled,
    String instructions,
    Optional<Instant> lastSyncedAt,
    Optional<String> lastError,
    Instant createdAt,
    Instant updatedAt) {}
