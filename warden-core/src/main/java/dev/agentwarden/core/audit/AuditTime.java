package dev.agentwarden.core.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;

/**
 * Audit timestamps: UTC, microsecond precision (what PostgreSQL stores), always written with six
 * fraction digits, e.g. {@code 2026-11-23T12:00:00.000000Z}. One spelling per instant, because
 * the string is hashed.
 */
public final class AuditTime {
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
  private static final String SHAPE_TEMPLATE = "dddd-dd-ddTdd:dd:dd.ddddddZ";

  private AuditTime() {}

  /** Truncates to the microsecond, the precision the chain records. */
  public static Instant truncate(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS);
  }

  public static String format(Instant t) {
    return FORMAT.format(truncate(t));
  }

  /**
   * Parses the one accepted spelling; anything else is an {@link AuditException}. Hand-written
   * because the verifier parses one per event and a regular expression plus {@link Instant#parse}
   * cost more than hashing the event.
   */
  public static Instant parse(String s) {
    if (s == null || s.length() != 27 || !shapeMatches(s)) {
      throw new AuditException("invalid_timestamp", "timestamps are written like 2026-11-23T12:00:00.000000Z");
    }
    try {
      LocalDateTime t =
          LocalDateTime.of(
              digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2), digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2),
              digits(s, 20, 6) * 1000);
      return t.toInstant(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      throw new AuditException("invalid_timestamp", "not a valid UTC timestamp: " + s, e);
    }
  }

  /**
   * {@link #parse(String)} of the 27 ASCII bytes at {@code b[off]}, without making a string: the
   * verifier reads every event's timestamp straight from the export line.
   */
  static Instant parse(byte[] b, int off) {
    if (off < 0 || off + 27 > b.length) {
      throw new AuditException("invalid_timestamp", "timestamps are written like 2026-11-23T12:00:00.000000Z");
    }
    for (int i = 0; i < 27; i++) {
      int c = b[off + i];
      char want = SHAPE_TEMPLATE.charAt(i);
      if (want == 'd' ? (c < '0' || c > '9') : c != want) {
        throw new AuditException("invalid_timestamp", "timestamps are written like 2026-11-23T12:00:00.000000Z");
      }
    }
    int hour = digits(b, off + 11, 2);
    int minute = digits(b, off + 14, 2);
    int second = digits(b, off + 17, 2);
    if (hour > 23 || minute > 59 || second > 59) {
      throw new AuditException("invalid_timestamp", "not a valid UTC timestamp");
    }
    try {
      long day = java.time.LocalDate.of(digits(b, off, 4), digits(b, off + 5, 2), digits(b, off + 8, 2)).toEpochDay();
      return Instant.ofEpochSecond(day * 86_400 + hour * 3_600L + minute * 60L + second, digits(b, off + 20, 6) * 1000L);
    } catch (DateTimeException e) {
      throw new AuditException("invalid_timestamp", "not a valid UTC timestamp", e);
    }
  }

  private static int digits(byte[] b, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      v = v * 10 + (b[i] - '0');
    }
    return v;
  }

  private static boolean shapeMatches(String s) {
    for (int i = 0; i < 27; i++) {
      char c = s.charAt(i);
      char want = SHAPE_TEMPLATE.charAt(i);
      if (want == 'd' ? (c < '0' || c > '9') : c != want) {
        return false;
      }
    }
    return true;
  }

  private static int digits(String s, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      v = v * 10 + (s.charAt(i) - '0');
    }
    return v;
  }
}
