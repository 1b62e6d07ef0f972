package dev.agentwarden.core.crypto;

import java.util.List;
import java.util.Optional;

/**
 * Where the local {@link TenantKeyProvider} keeps its sealed keys: named blobs outside the
 * database (a key directory). Every blob is already encrypted under the master KEK; the storage
 * only has to keep them, durably and privately. Implemented by the layer that does I/O.
 *
 * <p>Names are {@code [0-9a-z][0-9a-z.-]*} (at most 128 characters); an implementation refuses
 * anything else, so a name can never point outside the storage.
 *
 * <p>Guarantees an implementation gives: {@link #create} never replaces an existing blob; {@link
 * #create} and {@link #replace} are atomic (a reader sees the old bytes or the new ones, never a
 * mix) and durable when they return; {@link #delete} is durable when it returns. Several
 * processes may share one storage.
 */
public interface SealedKeyStorage {

  /** Where the blobs are, for error messages (e.g. {@code key directory /etc/warden/tenant-keys}). */
  String describe();

  /** The blob, or empty if there is none by that name. */
  Optional<byte[]> read(String name);

  /** Stores a new blob; fails if one by that name exists. */
  void create(String name, byte[] sealed);

  /** Replaces an existing blob atomically. */
  void replace(String name, byte[] sealed);

  /** Removes the blob; false if there was none. */
  boolean delete(String name);

  /** The names of every blob. */
  List<String> names();
}
