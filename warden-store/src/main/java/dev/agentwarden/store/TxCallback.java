package dev.agentwarden.store;

import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/** Work done inside one transaction; see {@link Database#inTenant}. */
@FunctionalInterface
public interface TxCallback<T extends @Nullable Object> {
  T run(Tx tx) throws SQLException;
}
