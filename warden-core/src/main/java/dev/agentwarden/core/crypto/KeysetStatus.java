package dev.agentwarden.core.crypto;

/**
 * Non-secret facts about a tenant's data keyset, for {@code warden keys status}.
 *
 * @param kekId the KEK that wraps the keyset
 * @param keyCount how many data keys it holds (more than one after a rotation, until old
 *     ciphertexts are re-encrypted and the old keys retired)
 * @param primaryKeyId the Tink key id new ciphertexts are written with
 */
public record KeysetStatus(String kekId, int keyCount, long primaryKeyId) {}
