package dev.agentwarden.store;

import java.util.Properties;
import org.postgresql.Driver;

/** Reads PostgreSQL JDBC URLs with the driver's own parser, so we agree with it exactly. */
public final class JdbcUrls {
  private JdbcUrls() {}

  static Properties parse(String url) {
    Properties props = url == null ? null : Driver.parseURL(url, new Properties());
    if (props == null) {
      throw new StoreException(
          "invalid_database_url", "database URL must look like jdbc:postgresql://host:port/db");
    }
    return props;
  }

  /** The URL with any password removed, for logs. */
  public static String masked(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***").replaceAll("//([^/@:]+):[^/@]*@", "//$1:***@");
  }
}
