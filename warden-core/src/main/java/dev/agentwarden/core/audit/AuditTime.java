package dev.agentwarden.core.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/**
 * Audit timestamps: UTC, microsecond precision (what PostgreSQL stores), always written with six
 * fraction digits, e.g. {@code 2026-11-23T12:00:00.000000Z}. One spelling per instant, because
 * the string is hashed.
 */
public final class AuditTime {
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern SHAPE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z");

  private AuditTime() {}

  /** Truncates to the microsecond, the precision the chain records. */
  public static Instant truncate(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS);
  }

  public static String format(Instant t) {
    return FORMAT.format(truncate(t));
  }

  /** Parses the one accepted spelling; anything else is an {@link AuditException}. */
  public static Instant parse(String s) {
    if (s == null || !SHAPE.matcher(s).matches()) {
      throw new AuditException("invalid_timestamp", "timestamps are written like 2026-11-23T12:00:00.000000Z");
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new AuditException("invalid_timestamp", "not a valid UTC timestamp: " + s, e);
    }
  }
}
