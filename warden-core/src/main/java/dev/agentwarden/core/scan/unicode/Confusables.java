package dev.agentwarden.core.scan.unicode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Unicode confusables (UTS #39) trimmed to code points whose skeleton is ASCII letters/digits. */
final class Confusables {
  private static final Map<Integer, String> TO_ASCII = load();

  private Confusables() {}

  private static Map<Integer, String> load() {
    try (InputStream in = Confusables.class.getResourceAsStream("confusables-ascii.txt")) {
      if (in == null) {
        throw new IllegalStateException("confusables-ascii.txt missing from classpath");
      }
      Map<Integer, String> map = new HashMap<>();
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        int space = line.indexOf(' ');
        map.put(Integer.parseInt(line.substring(0, space), 16), line.substring(space + 1));
      }
      return Map.copyOf(map);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ASCII lookalike of {@code codePoint}, or null when it has none. */
  static @Nullable String ascii(int codePoint) {
    return TO_ASCII.get(codePoint);
  }
}
