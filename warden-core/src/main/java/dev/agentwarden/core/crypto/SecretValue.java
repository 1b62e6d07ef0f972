package dev.agentwarden.core.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Pattern;

/**
 * A secret (an API key, a token, key material) held in memory.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>It never prints itself: {@link #toString()} returns the {@link #masked()} form, so a
 *       secret that slips into a log line, an exception message or a JSON body by accident shows
 *       at most its last four characters.
 *   <li>The clear value comes out only through {@link #reveal(SecretAccess)} or {@link
 *       #revealUtf8(SecretAccess)}, which need the {@link InsecureSecretAccess} token, so every
 *       escape is greppable.
 *   <li>{@link #equals(Object)} compares in constant time (no early exit on the first differing
 *       byte), and {@link #hashCode()} does not depend on the value.
 *   <li>It is not {@code Serializable}.
 * </ul>
 *
 * <p>The value is UTF-8 text of 1 to {@value #MAX_BYTES} bytes.
 */
public final class SecretValue {
  /** Largest accepted secret in UTF-8 bytes; larger values are documents, not credentials. */
  public static final int MAX_BYTES = 16 * 1024;

  private static final Pattern VENDOR_PREFIX = Pattern.compile("^[a-z]{2,5}[-_]");
  private static final String ELLIPSIS = "\u2026";

  private final byte[] utf8;

  private SecretValue(byte[] utf8) {
    this.utf8 = utf8;
  }

  /**
   * Wraps a clear value. Creating a secret needs no token: it is the way in, not the way out.
   *
   * @throws CryptoException {@code invalid_secret} if the value is empty or longer than {@value
   *     #MAX_BYTES} UTF-8 bytes (the message gives the length, never the value)
   */
  public static SecretValue of(String clear) {
    if (clear == null) {
      throw new CryptoException("invalid_secret", "a secret value is required");
    }
    return fromUtf8(clear.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Wraps a clear value given as UTF-8 bytes (a copy is kept; the caller may wipe its array).
   *
   * @throws CryptoException {@code invalid_secret} if the bytes are not UTF-8, are empty, or are
   *     longer than {@value #MAX_BYTES}
   */
  public static SecretValue ofUtf8(byte[] clear) {
    if (clear == null) {
      throw new CryptoException("invalid_secret", "a secret value is required");
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(clear));
    } catch (CharacterCodingException e) {
      throw new CryptoException("invalid_secret", "a secret value must be UTF-8 text");
    }
    return fromUtf8(clear.clone());
  }

  private static SecretValue fromUtf8(byte[] owned) {
    if (owned.length == 0) {
      throw new CryptoException("invalid_secret", "a secret value must not be empty");
    }
    if (owned.length > MAX_BYTES) {
      throw new CryptoException(
          "invalid_secret",
          "a secret value must be at most " + MAX_BYTES + " bytes, got " + owned.length);
    }
    return new SecretValue(owned);
  }

  /** The clear value. Every call is an escape of the secret; keep the result short-lived. */
  public String reveal(SecretAccess access) {
    requireAccess(access);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  /** A fresh copy of the clear value as UTF-8; the caller should wipe it when done. */
  public byte[] revealUtf8(SecretAccess access) {
    requireAccess(access);
    return utf8.clone();
  }

  /** Length of the value in UTF-8 bytes (not secret: it is shown as metadata). */
  public int lengthUtf8() {
    return utf8.length;
  }

  /**
   * The masked form for display: {@code sk-…f3a9}. Shows at most the last 4 characters, and
   * fewer for short values (2 for 12–19 characters, none below 12) so that a short secret is not
   * mostly disclosed. A lowercase vendor prefix such as {@code sk-}, {@code ghp_} or {@code
   * xoxb-} is kept for values of 20 characters or more: it names the kind of key, not the key.
   */
  public String masked() {
    return mask(new String(utf8, StandardCharsets.UTF_8));
  }

  static String mask(String clear) {
    int n = clear.codePointCount(0, clear.length());
    int tail = n >= 20 ? 4 : n >= 12 ? 2 : 0;
    String prefix = "";
    if (n >= 20) {
      var m = VENDOR_PREFIX.matcher(clear);
      if (m.find()) {
        prefix = m.group();
      }
    }
    String suffix = tail == 0 ? "" : clear.substring(clear.offsetByCodePoints(0, n - tail));
    return prefix + ELLIPSIS + suffix;
  }

  /**
   * Replaces every occurrence of this secret in {@code text} with {@code replacement}; used to
   * scrub a secret that an upstream echoed back. Returns {@code text} unchanged when it does not
   * occur.
   */
  public String scrub(CharSequence text, String replacement) {
    String clear = new String(utf8, StandardCharsets.UTF_8);
    String s = text.toString();
    return s.contains(clear) ? s.replace(clear, replacement) : s;
  }

  /** Whether {@code text} contains this secret in clear. */
  public boolean occursIn(CharSequence text) {
    return text.toString().contains(new String(utf8, StandardCharsets.UTF_8));
  }

  /** Constant-time comparison of the two values. */
  @Override
  public boolean equals(Object o) {
    return o instanceof SecretValue other && MessageDigest.isEqual(utf8, other.utf8);
  }

  /** Constant: a hash of the value would be an oracle for it. */
  @Override
  public int hashCode() {
    return SecretValue.class.hashCode();
  }

  /** The masked form; never the clear value. */
  @Override
  public String toString() {
    return masked();
  }

  private static void requireAccess(SecretAccess access) {
    if (access != SecretAccess.INSTANCE) {
      throw new CryptoException("secret_access_denied", "reading a secret needs InsecureSecretAccess.get()");
    }
  }
}
