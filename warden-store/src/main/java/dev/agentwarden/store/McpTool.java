package dev.agentwarden.store;

import java.time.Instant;
import java.util.UUID;

/**
 * One upstream tool: the identity an admin approved ({@code pinned}) and the one last seen
 * ({@code current}). It is quarantined while they differ, and until scanner findings on its
 * description are acknowledged.
 */
public record McpTool(
    UUID serverId,
    String name,
    String pinnedIdentity,
    String pinnedSha256,
    String currentIdentity,
    String currentSha256,
    boolean removed,
    String findings,
    boolean acknowledged,
    Instant firstSeenAt,
    Instant changedAt) {

  public boolean quarantined() {
    return removed || !pinnedSha256.equals(currentSha256) || !acknowledged;
  }
}
