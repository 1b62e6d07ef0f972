package dev.agentwarden.core.policy.files;

/** What an agent wants to do with a file. */
public enum FileAccess {
  READ,
  WRITE
}
