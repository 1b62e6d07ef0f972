package dev.agentwarden.core.vault;

import java.util.regex.Pattern;

/**
 * How everything outside the vault names a secret: {@code vault://name}. A reference carries no
 * secret material, so it may appear in configuration, logs, audit bodies and model context.
 *
 * @param name 1–128 characters of lower-case letters, digits, {@code . _ -}, starting with a
 *     letter or digit
 */
public record SecretRef(String name) {
  public static final String SCHEME = "vault://";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");

  public SecretRef {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new VaultException(
          "invalid_secret_name",
          "a secret name must be 1-128 characters of a-z, 0-9, '.', '_', '-' starting with a letter"
              + " or digit, got "
              + describe(name));
    }
  }

  /** Parses {@code vault://name}. */
  public static SecretRef parse(String reference) {
    if (reference == null || !reference.startsWith(SCHEME)) {
      throw new VaultException(
          "invalid_secret_ref", "a secret reference must look like vault://name, got " + describe(reference));
    }
    return new SecretRef(reference.substring(SCHEME.length()));
  }

  /** True when {@code text} is meant as a reference (starts with {@code vault://}). */
  public static boolean isReference(String text) {
    return text != null && text.startsWith(SCHEME);
  }

  /** The reference form, {@code vault://name}. */
  public String uri() {
    return SCHEME + name;
  }

  @Override
  public String toString() {
    return uri();
  }

  private static String describe(String s) {
    if (s == null) {
      return "nothing";
    }
    // Names are not secret, but a caller may paste a key where a name belongs: never echo it.
    return "a value of " + s.length() + " characters";
  }
}
