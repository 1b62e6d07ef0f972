package dev.agentwarden.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;

/**
 * A full dump of a test database as text, the way a backup would hold it: {@code pg_dump} when
 * the installed client can dump this server, otherwise {@code COPY ... TO STDOUT} of every table
 * in every schema (the same data section pg_dump writes).
 */
final class DatabaseDump {
  private DatabaseDump() {}

  static String of(String adminJdbcUrl) throws Exception {
    try {
      String viaPgDump = pgDump(adminJdbcUrl);
      if (viaPgDump != null) {
        return viaPgDump;
      }
    } catch (IOException e) {
      // No pg_dump on this machine: fall through to COPY.
    }
    return copyEverything(adminJdbcUrl);
  }

  private static String pgDump(String jdbcUrl) throws IOException, InterruptedException {
    String libpq = jdbcUrl.substring("jdbc:".length());
    Process p = new ProcessBuilder("pg_dump", "--no-owner", libpq).redirectErrorStream(false).start();
    byte[] out = p.getInputStream().readAllBytes();
    p.getErrorStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      return null; // e.g. server newer than the client: use COPY instead
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  private static String copyEverything(String jdbcUrl) throws SQLException, IOException {
    StringBuilder dump = new StringBuilder();
    try (Connection c = DriverManager.getConnection(jdbcUrl, new Properties())) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = c.createStatement().executeQuery(
          "select quote_ident(n.nspname) || '.' || quote_ident(c.relname) from pg_class c"
              + " join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p')"
              + " and n.nspname not in ('pg_catalog', 'information_schema') order by 1")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      var copy = c.unwrap(PGConnection.class).getCopyAPI();
      for (String t : tables) {
        var buf = new java.io.ByteArrayOutputStream();
        copy.copyOut("copy " + t + " to stdout", buf);
        dump.append("-- ").append(t).append('\n').append(buf.toString(StandardCharsets.UTF_8));
      }
    }
    return dump.toString();
  }
}
