package dev.agentwarden.store;

import java.sql.SQLException;

/** Work done inside one transaction; see {@link Database#inTenant}. */
@FunctionalInterface
public interface TxCallback<T> {
  T run(Tx tx) throws SQLException;
}
