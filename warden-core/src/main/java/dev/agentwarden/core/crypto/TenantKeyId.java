package dev.agentwarden.core.crypto;

import dev.agentwarden.core.id.TenantId;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names one tenant's wrapping key held by a {@link TenantKeyProvider}: {@code
 * tenant-key:<tenant uuid>:<16 hex digits>}. The id is not secret; it is stored next to the
 * keyset it wraps (so a keyset names the key that opens it) and it names the tenant, so a key is
 * never handed to another tenant's keyset.
 *
 * @param tenant the tenant the key belongs to (never the operator scope)
 * @param serial 16 lower-case hex digits, random per key: a tenant's next key never reuses an id
 */
public record TenantKeyId(TenantId tenant, String serial) {
  private static final String PREFIX = "tenant-key:";
  private static final Pattern SERIAL = Pattern.compile("[0-9a-f]{16}");
  private static final Pattern TEXT =
      Pattern.compile("tenant-key:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):([0-9a-f]{16})");
  private static final SecureRandom RANDOM = new SecureRandom();

  public TenantKeyId {
    if (tenant == null || tenant.isOperator()) {
      throw new CryptoException("invalid_argument", "a tenant key belongs to one tenant, not the operator scope");
    }
    if (serial == null || !SERIAL.matcher(serial).matches()) {
      throw new CryptoException("invalid_argument", "a tenant key serial is 16 lower-case hex digits");
    }
  }

  /** A new id for {@code tenant} with a random serial. */
  public static TenantKeyId random(TenantId tenant) {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return new TenantKeyId(tenant, HexFormat.of().formatHex(b));
  }

  /**
   * Reads the text form; empty for anything else (such as the id of a KEK that wrapped a keyset
   * directly, before tenants had keys of their own).
   */
  public static Optional<TenantKeyId> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = TEXT.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    TenantId tenant = new TenantId(UUID.fromString(m.group(1)));
    return tenant.isOperator() ? Optional.empty() : Optional.of(new TenantKeyId(tenant, m.group(2)));
  }

  @Override
  public String toString() {
    return PREFIX + tenant + ":" + serial;
  }
}
