package dev.agentwarden.server;

/** A group of endpoints for one resource; it adds its routes to the table at start-up. */
public interface ApiService {
  void routes(RouteTable table);
}
