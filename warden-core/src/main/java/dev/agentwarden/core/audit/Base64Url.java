package dev.agentwarden.core.audit;

import java.util.Base64;

/** Base64url without padding (RFC 4648 section 5), the spelling of keys and signatures. */
final class Base64Url {
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private Base64Url() {}

  static String encode(byte[] bytes) {
    return ENCODER.encodeToString(bytes);
  }

  /** Decodes, refusing padding and any second spelling of the same bytes. */
  static byte[] decode(String s) {
    if (s == null || s.indexOf('=') >= 0) {
      throw new AuditException("invalid_encoding", "expected unpadded base64url");
    }
    try {
      byte[] out = DECODER.decode(s);
      if (!ENCODER.encodeToString(out).equals(s)) {
        throw new AuditException("invalid_encoding", "non-canonical base64url");
      }
      return out;
    } catch (IllegalArgumentException e) {
      throw new AuditException("invalid_encoding", "expected unpadded base64url", e);
    }
  }
}
