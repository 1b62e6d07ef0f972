package dev.agentwarden.core.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds associated data: a domain label and length-prefixed fields, so that no two different
 * (tenant, secret) pairs produce the same bytes ("ab"+"c" and "a"+"bc" differ).
 */
final class BindingContext {
  private BindingContext() {}

  static byte[] of(String label, String... fields) {
    var out = new ByteArrayOutputStream();
    writeField(out, label);
    for (String f : fields) {
      writeField(out, f);
    }
    return out.toByteArray();
  }

  private static void writeField(ByteArrayOutputStream out, String field) {
    byte[] b = field.getBytes(StandardCharsets.UTF_8);
    out.write(b.length >>> 24);
    out.write(b.length >>> 16);
    out.write(b.length >>> 8);
    out.write(b.length);
    out.writeBytes(b);
  }

  static String requireId(String what, String id) {
    if (id == null || id.isBlank()) {
      throw new CryptoException("invalid_argument", what + " is required");
    }
    if (id.length() > 256) {
      throw new CryptoException("invalid_argument", what + " must be at most 256 characters, got " + id.length());
    }
    return id;
  }
}
