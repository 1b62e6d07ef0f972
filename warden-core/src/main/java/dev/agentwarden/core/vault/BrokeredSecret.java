package dev.agentwarden.core.vault;

import dev.agentwarden.core.crypto.InsecureSecretAccess;
import dev.agentwarden.core.crypto.SecretValue;

/**
 * A secret released by the vault for one outbound request, after its allow-list admitted the
 * destination. It lives only inside the egress step: the header value is computed at the moment
 * the request is built, and {@link #scrub} removes the secret from anything the upstream sends
 * back before it reaches a caller, a log or a model.
 */
public final class BrokeredSecret {
  private final SecretRef ref;
  private final Injection injection;
  private final SecretValue value;

  private BrokeredSecret(SecretRef ref, Injection injection, SecretValue value) {
    this.ref = ref;
    this.injection = injection;
    this.value = value;
  }

  public static BrokeredSecret of(SecretRef ref, Injection injection, SecretValue value) {
    return new BrokeredSecret(ref, injection, value);
  }

  public SecretRef ref() {
    return ref;
  }

  /** The header the secret goes into. */
  public String headerName() {
    return injection.header();
  }

  /** Prefix plus clear secret: the one place a brokered secret becomes clear text. */
  public String headerValue() {
    return injection.prefix() + value.reveal(InsecureSecretAccess.get());
  }

  /** {@code text} with every occurrence of the secret replaced by {@code [vault://name]}. */
  public String scrub(String text) {
    return value.scrub(text, "[" + ref.uri() + "]");
  }

  /**
   * {@code body} with every occurrence of the secret's UTF-8 bytes replaced by {@code
   * [vault://name]}; the same array when it does not occur. Byte-exact whatever the charset of
   * the body (bytes map one to one onto ISO-8859-1 characters).
   */
  public byte[] scrub(byte[] body) {
    String bytes = new String(body, java.nio.charset.StandardCharsets.ISO_8859_1);
    String needle = new String(needle(), java.nio.charset.StandardCharsets.ISO_8859_1);
    if (!bytes.contains(needle)) {
      return body;
    }
    String replacement = new String(replacement(), java.nio.charset.StandardCharsets.ISO_8859_1);
    return bytes.replace(needle, replacement).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /** The secret's UTF-8 bytes, for {@link StreamScrubber}, which looks for them in a stream. */
  byte[] needle() {
    return value.revealUtf8(InsecureSecretAccess.get());
  }

  /** What replaces the secret in a response: {@code [vault://name]} in UTF-8. */
  byte[] replacement() {
    return ("[" + ref.uri() + "]").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Whether {@code text} contains the secret in clear. */
  public boolean occursIn(String text) {
    return value.occursIn(text);
  }

  @Override
  public String toString() {
    return "BrokeredSecret[" + ref + " -> " + injection.header() + ", " + value.masked() + "]";
  }
}
