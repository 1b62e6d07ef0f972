package dev.agentwarden.core.scan.injection;

import java.util.Locale;

/** The kinds of prompt-injection technique the detector recognises. */
public enum Family {
  /** "Ignore all previous instructions", in any language. */
  INSTRUCTION_OVERRIDE,
  /** Persona and jailbreak set-ups: DAN, developer mode, "you are no longer bound by". */
  ROLE_PLAY,
  /** Attempts to make the model reveal its system prompt or instructions. */
  PROMPT_EXTRACTION,
  /** Attempts to make the model call tools or forge chat-template roles. */
  TOOL_HIJACK,
  /** Attempts to move data out: markdown image beacons, "send it to this URL". */
  EXFILTRATION,
  /** A request addressed to the assistant planted inside a document or e-mail. */
  EMBEDDED_REQUEST,
  /** The payload was hidden: invisible characters, encodings, lookalike letters. */
  OBFUSCATION;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
