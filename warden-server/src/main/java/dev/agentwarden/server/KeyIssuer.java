package dev.agentwarden.server;

import dev.agentwarden.core.auth.ApiKeyToken;
import dev.agentwarden.core.auth.Role;
import dev.agentwarden.core.crypto.KeyHasher;
import dev.agentwarden.store.ApiKey;
import dev.agentwarden.store.ApiKeys;
import dev.agentwarden.store.OperatorKeys;
import dev.agentwarden.store.Tx;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Mints keys: the secret is returned once to the caller and only its keyed hash is stored. */
public final class KeyIssuer {
  private final KeyHasher hasher;
  private final SecureRandom random = new SecureRandom();

  public KeyIssuer(KeyHasher hasher) {
    this.hasher = hasher;
  }

  /** A stored key and the one-time token that proves it. */
  public record Issued(ApiKey key, String token) {
    @Override
    public String toString() {
      return "Issued[" + key + "]";
    }
  }

  /** Creates a key in the transaction's tenant. */
  public Issued issue(Tx tx, String name, Role role, Optional<Instant> expiresAt) throws SQLException {
    UUID id = UUID.randomUUID();
    ApiKeyToken token = ApiKeyToken.issue(id, tx.tenant(), random);
    ApiKey key = ApiKeys.insert(tx, id, name, role, token.displayPrefix(),
        hasher.hash(Authenticator.KEY_PURPOSE, token.secret()), expiresAt);
    return new Issued(key, token.wire());
  }

  /** Replaces a key's secret; the old one keeps working until {@code graceUntil}. */
  public Optional<Issued> rotate(Tx tx, UUID id, Instant graceUntil) throws SQLException {
    ApiKeyToken token = ApiKeyToken.issue(id, tx.tenant(), random);
    return ApiKeys.rotate(tx, id, hasher.hash(Authenticator.KEY_PURPOSE, token.secret()), graceUntil)
        .map(k -> new Issued(k, token.wire()));
  }

  /** Creates an operator key (operator scope only); returns the one-time token. */
  public String issueOperator(Tx tx, String name) throws SQLException {
    UUID id = UUID.randomUUID();
    ApiKeyToken token = ApiKeyToken.issue(id, dev.agentwarden.core.id.TenantId.OPERATOR, random);
    OperatorKeys.insert(tx, id, name, hasher.hash(Authenticator.KEY_PURPOSE, token.secret()));
    return token.wire();
  }
}
