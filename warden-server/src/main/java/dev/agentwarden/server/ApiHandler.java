package dev.agentwarden.server;

import java.sql.SQLException;

/** One endpoint's work, after authentication, scoping, rate limits and body checks passed. */
@FunctionalInterface
public interface ApiHandler {
  ApiResponse handle(ApiRequest request) throws SQLException;
}
