package dev.agentwarden.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * An agent of a tenant: its model, its system prompt and that prompt's SHA-256, the tools
 * ({@code server/tool}) and collections attached to it, its extra policy, its approval rules,
 * budgets and injection verdict settings (JSON text), and the agent-role key that acts as it.
 */
public record Agent(
    UUID id,
    String name,
    Optional<String> provider,
    Optional<String> model,
    String systemPrompt,
    String systemPromptSha256,
    List<String> tools,
    List<String> collections,
    Optional<String> policy,
    String approvals,
    String budgets,
    String injection,
    boolean enabled,
    Optional<UUID> keyId,
    Instant createdAt,
    Instant updatedAt) {
  public Agent {
    tools = List.copyOf(tools);
    collections = List.copyOf(collections);
  }
}
