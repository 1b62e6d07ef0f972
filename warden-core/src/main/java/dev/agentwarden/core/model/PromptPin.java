package dev.agentwarden.core.model;

import dev.agentwarden.core.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Prompt drift detection: the system prompt an agent sends must be exactly the one pinned for
 * it (compared by SHA-256 of its UTF-8 bytes). Fails closed: an agent with a pinned prompt that
 * sends none, another one, or more than one system/developer message is refused; an agent with
 * no pinned prompt may send no system message at all.
 */
public final class PromptPin {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  private final Optional<String> pinnedSha256;

  private PromptPin(Optional<String> pinnedSha256) {
    this.pinnedSha256 = pinnedSha256;
  }

  /** @param pinnedSha256 lower-case hex SHA-256 of the agent's system prompt, empty for none */
  public static PromptPin of(Optional<String> pinnedSha256) {
    Optional<String> p = pinnedSha256.map(h -> h.toLowerCase(Locale.ROOT));
    if (p.isPresent() && !HEX.matcher(p.get()).matches()) {
      throw new IllegalArgumentException("a pinned prompt hash is 64 hex digits");
    }
    return new PromptPin(p);
  }

  /** Lower-case hex SHA-256 of {@code prompt}'s UTF-8 bytes: the form prompts are pinned in. */
  public static String hash(String prompt) {
    return HexFormat.of().formatHex(Sha256.hash(prompt.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Checks the system messages of one request (their text, in order).
   *
   * @throws ModelCallException {@code prompt_drift} when they do not match the pin
   */
  public void check(List<String> systemMessages) {
    if (systemMessages.size() > 1) {
      throw new ModelCallException("prompt_drift",
          "the request has " + systemMessages.size() + " system messages; this agent takes exactly its pinned system prompt");
    }
    if (pinnedSha256.isEmpty()) {
      if (!systemMessages.isEmpty()) {
        throw new ModelCallException("prompt_drift", "this agent has no pinned system prompt, so it may not send one");
      }
      return;
    }
    if (systemMessages.isEmpty()) {
      throw new ModelCallException("prompt_drift", "the request has no system message; this agent must send its pinned system prompt");
    }
    String sent = hash(systemMessages.getFirst());
    if (!java.security.MessageDigest.isEqual(sent.getBytes(StandardCharsets.US_ASCII),
        pinnedSha256.get().getBytes(StandardCharsets.US_ASCII))) {
      throw new ModelCallException("prompt_drift",
          "the system message (sha256 " + sent + ") differs from the agent's pinned system prompt (sha256 "
              + pinnedSha256.get() + ")");
    }
  }
}
