package dev.agentwarden.core.crypto;

import dev.agentwarden.core.id.TenantId;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Tenant keys sealed under the master KEK, one blob per key in a {@link SealedKeyStorage}. A blob
 * is four lines of text: a format line, the key id, the id of the master KEK that sealed it, and
 * the sealed key (base64). The seal is bound to the format, the key id and the tenant, so a blob
 * renamed to another key's name, or edited to claim another id, does not open.
 */
final class LocalTenantKeyProvider implements TenantKeyProvider {
  private static final String FORMAT = "agentwarden tenant key v1";
  private static final String SEAL_LABEL = "agentwarden.vault.tenant-key.v1";
  private static final int MAX_BLOB_BYTES = 4096;
  private static final Pattern NAME =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.[0-9a-f]{16}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SealedKeyStorage storage;
  private final KeyEncryptionKey master;
  private final Map<String, KeyEncryptionKey> masters;

  LocalTenantKeyProvider(SealedKeyStorage storage, KeyEncryptionKey master, List<KeyEncryptionKey> previousMasters) {
    this.storage = storage;
    this.master = master;
    Map<String, KeyEncryptionKey> all = new LinkedHashMap<>();
    all.put(master.keyId(), master);
    for (KeyEncryptionKey k : previousMasters) {
      all.putIfAbsent(k.keyId(), k);
    }
    this.masters = Map.copyOf(all);
  }

  @Override
  public String masterKeyId() {
    return master.keyId();
  }

  @Override
  public String describe() {
    return storage.describe();
  }

  @Override
  public KeyEncryptionKey createKey(TenantId tenant) {
    TenantKeyId id = TenantKeyId.random(tenant);
    byte[] raw = new byte[LocalKeyEncryptionKey.KEY_BYTES];
    RANDOM.nextBytes(raw);
    try {
      storage.create(name(id), seal(id, raw, master));
      return LocalKeyEncryptionKey.fromRaw(raw, id.toString());
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  @Override
  public KeyEncryptionKey key(TenantKeyId id) {
    byte[] raw = open(id, read(id));
    try {
      return LocalKeyEncryptionKey.fromRaw(raw, id.toString());
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  @Override
  public boolean destroyKey(TenantKeyId id) {
    return storage.delete(name(id));
  }

  @Override
  public TenantKeyStatus status(TenantKeyId id) {
    Optional<byte[]> blob = storage.read(name(id));
    if (blob.isEmpty()) {
      return new TenantKeyStatus(TenantKeyStatus.State.MISSING, Optional.empty(), missing(id).getMessage());
    }
    Optional<String> sealedBy = Optional.empty();
    try {
      Sealed s = parse(id, blob.get());
      sealedBy = Optional.of(s.masterId());
      Arrays.fill(open(id, s), (byte) 0);
      return new TenantKeyStatus(TenantKeyStatus.State.PRESENT, sealedBy, "sealed under KEK " + s.masterId());
    } catch (CryptoException e) {
      return new TenantKeyStatus(TenantKeyStatus.State.UNREADABLE, sealedBy, e.getMessage());
    }
  }

  @Override
  public List<TenantKeyId> keyIds() {
    List<TenantKeyId> out = new ArrayList<>();
    for (String n : storage.names()) {
      if (NAME.matcher(n).matches()) {
        TenantId tenant = new TenantId(UUID.fromString(n.substring(0, 36)));
        if (!tenant.isOperator()) {
          out.add(new TenantKeyId(tenant, n.substring(37)));
        }
      }
    }
    return out;
  }

  @Override
  public int rewrapAll() {
    int changed = 0;
    for (TenantKeyId id : keyIds()) {
      Optional<byte[]> blob = storage.read(name(id));
      if (blob.isEmpty()) {
        continue; // destroyed meanwhile
      }
      Sealed s = parse(id, blob.get());
      if (s.masterId().equals(master.keyId())) {
        continue;
      }
      byte[] raw = open(id, s);
      try {
        storage.replace(name(id), seal(id, raw, master));
        changed++;
      } finally {
        Arrays.fill(raw, (byte) 0);
      }
    }
    return changed;
  }

  // ---- the sealed form ----------------------------------------------------------------

  private record Sealed(String masterId, byte[] wrapped) {}

  static String name(TenantKeyId id) {
    return id.tenant() + "." + id.serial();
  }

  private Sealed read(TenantKeyId id) {
    return parse(id, storage.read(name(id)).orElseThrow(() -> missing(id)));
  }

  private CryptoException missing(TenantKeyId id) {
    return new CryptoException("tenant_key_missing",
        "tenant key " + id + " of tenant " + id.tenant() + " is not in the " + storage.describe()
            + ": it was destroyed (tenant purged), or this is not the key directory this database was used with;"
            + " the tenant's secrets cannot be decrypted");
  }

  private CryptoException unreadable(TenantKeyId id, String why) {
    return new CryptoException("tenant_key_unreadable",
        "tenant key " + id + " of tenant " + id.tenant() + " in the " + storage.describe() + " " + why);
  }

  private static byte[] seal(TenantKeyId id, byte[] raw, KeyEncryptionKey by) {
    byte[] wrapped = by.wrap(raw, binding(id));
    String text = FORMAT + "\nkey: " + id + "\nkek: " + by.keyId() + "\nwrapped: "
        + Base64.getEncoder().encodeToString(wrapped) + "\n";
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private Sealed parse(TenantKeyId id, byte[] blob) {
    if (blob.length > MAX_BLOB_BYTES) {
      throw unreadable(id, "is not a tenant key (" + blob.length + " bytes)");
    }
    String[] lines = new String(blob, StandardCharsets.US_ASCII).split("\n", -1);
    if (lines.length != 5 || !lines[0].equals(FORMAT) || !lines[4].isEmpty()
        || !lines[1].startsWith("key: ") || !lines[2].startsWith("kek: ") || !lines[3].startsWith("wrapped: ")) {
      throw unreadable(id, "is not a tenant key in the format '" + FORMAT + "'");
    }
    String claimed = lines[1].substring(5);
    if (!claimed.equals(id.toString())) {
      throw unreadable(id, "holds another key (" + printable(claimed) + "): the file was swapped or copied");
    }
    try {
      return new Sealed(lines[2].substring(5), Base64.getDecoder().decode(lines[3].substring(9)));
    } catch (IllegalArgumentException e) {
      throw unreadable(id, "is not a tenant key: its sealed key is not base64");
    }
  }

  private byte[] open(TenantKeyId id, Sealed s) {
    KeyEncryptionKey by = masters.get(s.masterId());
    if (by == null) {
      throw unreadable(id, "is sealed under KEK " + printable(s.masterId()) + ", which is not configured (configured: "
          + String.join(", ", masters.keySet()) + ")");
    }
    byte[] raw;
    try {
      raw = by.unwrap(s.wrapped(), binding(id));
    } catch (CryptoException e) {
      throw unreadable(id, "does not open with KEK " + by.keyId() + ": it was altered, or it is another key's");
    }
    if (raw.length != LocalKeyEncryptionKey.KEY_BYTES) {
      Arrays.fill(raw, (byte) 0);
      throw unreadable(id, "does not hold a 32-byte key");
    }
    return raw;
  }

  private static byte[] binding(TenantKeyId id) {
    return BindingContext.of(SEAL_LABEL, id.toString(), id.tenant().toString());
  }

  private static String printable(String s) {
    String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return t.replaceAll("[^\\x21-\\x7e]", "?");
  }

  @Override
  public String toString() {
    return "TenantKeyProvider[local, " + storage.describe() + ", master=" + master.keyId() + "]";
  }
}
