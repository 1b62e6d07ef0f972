package dev.agentwarden.core.auth;

import dev.agentwarden.core.id.TenantId;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The wire form of an API key: {@code wdn_<ids>_<secret>}.
 *
 * <p>{@code ids} is the lower-case base32 of the key id followed by the tenant id (32 bytes), so
 * the gateway finds the key inside its tenant's row-level-security scope without a cross-tenant
 * lookup, and the first characters after {@code wdn_} differ per key (they are the displayed
 * prefix). {@code secret} is 32 random bytes in base64url. The fixed {@code wdn_} prefix lets
 * secret scanners find leaked keys. The operator's keys carry {@link TenantId#OPERATOR}.
 */
public record ApiKeyToken(UUID keyId, TenantId tenant, String secret) {
  public static final String PREFIX = "wdn_";
  private static final int SECRET_BYTES = 32;
  private static final int IDS_CHARS = 52; // ceil(32 bytes * 8 / 5)
  private static final Pattern WIRE =
      Pattern.compile("wdn_[a-z2-7]{" + IDS_CHARS + "}_[A-Za-z0-9_-]{43}");
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

  /** Parses a presented bearer token; empty when it is not in our format at all. */
  public static Optional<ApiKeyToken> parse(String presented) {
    if (presented == null || presented.length() != PREFIX.length() + IDS_CHARS + 1 + 43
        || !WIRE.matcher(presented).matches()) {
      return Optional.empty();
    }
    byte[] ids = base32Decode(presented.substring(PREFIX.length(), PREFIX.length() + IDS_CHARS));
    ByteBuffer buf = ByteBuffer.wrap(ids);
    UUID key = new UUID(buf.getLong(), buf.getLong());
    UUID tenant = new UUID(buf.getLong(), buf.getLong());
    return Optional.of(
        new ApiKeyToken(key, new TenantId(tenant), presented.substring(PREFIX.length() + IDS_CHARS + 1)));
  }

  /** A new token for the given key with a fresh secret from {@code random}. */
  public static ApiKeyToken issue(UUID keyId, TenantId tenant, java.security.SecureRandom random) {
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(secret);
    return new ApiKeyToken(keyId, tenant, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
  }

  /** The full token, to be shown once and never stored. */
  public String wire() {
    return PREFIX + ids() + "_" + secret;
  }

  /** The part of the token that identifies the key without revealing anything secret. */
  public String displayPrefix() {
    return displayPrefix(keyId, tenant);
  }

  public static String displayPrefix(UUID keyId, TenantId tenant) {
    return PREFIX + idsOf(keyId, tenant).substring(0, 10);
  }

  private String ids() {
    return idsOf(keyId, tenant);
  }

  private static String idsOf(UUID keyId, TenantId tenant) {
    ByteBuffer buf = ByteBuffer.allocate(32);
    buf.putLong(keyId.getMostSignificantBits()).putLong(keyId.getLeastSignificantBits());
    buf.putLong(tenant.value().getMostSignificantBits()).putLong(tenant.value().getLeastSignificantBits());
    return base32Encode(buf.array());
  }

  @Override
  public String toString() {
    return "ApiKeyToken[" + displayPrefix() + "…]";
  }

  private static String base32Encode(byte[] data) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(ALPHABET.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  private static byte[] base32Decode(String text) {
    byte[] out = new byte[text.length() * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int i = 0;
    for (char c : text.toLowerCase(Locale.ROOT).toCharArray()) {
      buffer = (buffer << 5) | ALPHABET.indexOf(c);
      bits += 5;
      if (bits >= 8) {
        if (i < out.length) {
          out[i++] = (byte) (buffer >> (bits - 8));
        }
        bits -= 8;
      }
    }
    return out;
  }
}
