package dev.agentwarden.core.trust;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * What a trust score is about: a model provider, an upstream MCP server, or one tool of a
 * server (named {@code server/tool}).
 */
public record TrustSubject(Kind kind, String name) {
  /** The kinds of subject, with their wire names. */
  public enum Kind {
    PROVIDER("provider"),
    MCP_SERVER("mcp_server"),
    TOOL("tool");

    private final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    public static Kind fromWire(String wire) {
      return Arrays.stream(values()).filter(k -> k.wire.equals(wire)).findFirst()
          .orElseThrow(() -> new TrustException("unknown trust subject kind '" + wire
              + "' (provider, mcp_server or tool)"));
    }
  }

  public TrustSubject {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.length() > 300) {
      throw new TrustException("a trust subject name must have 1 to 300 characters, got " + name.length());
    }
    if (kind == Kind.TOOL && (name.indexOf('/') <= 0 || name.indexOf('/') == name.length() - 1)) {
      throw new TrustException("a tool subject is named server/tool");
    }
  }

  public static TrustSubject provider(String name) {
    return new TrustSubject(Kind.PROVIDER, name);
  }

  public static TrustSubject mcpServer(String name) {
    return new TrustSubject(Kind.MCP_SERVER, name);
  }

  public static TrustSubject tool(String server, String tool) {
    // The server is what comes before the first '/': one inside it would name another server.
    if (server.indexOf('/') >= 0) {
      throw new TrustException("a server name holds no '/'");
    }
    return new TrustSubject(Kind.TOOL, server + "/" + tool);
  }

  /** The server a tool belongs to; empty for other kinds. */
  public Optional<String> server() {
    return kind == Kind.TOOL ? Optional.of(name.substring(0, name.indexOf('/'))) : Optional.empty();
  }

  @Override
  public String toString() {
    return kind.wire() + ":" + name;
  }
}
