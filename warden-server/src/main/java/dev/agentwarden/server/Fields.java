package dev.agentwarden.server;

import java.util.regex.Pattern;

/** Checks for request-body fields, used in the compact constructors of request records. */
public final class Fields {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}");

  private Fields() {}

  /** A field the client must send. */
  public static <T> T require(T value, String field) {
    if (value == null) {
      throw ApiException.badRequest("missing_field", "field '" + field + "' is required");
    }
    return value;
  }

  /** A display name: 1–200 letters, digits, spaces and {@code . _ : -}, starting with a letter or digit. */
  public static String requireName(String value, String field) {
    require(value, field);
    if (!NAME.matcher(value).matches()) {
      throw ApiException.badRequest("invalid_field",
          "field '" + field + "' must be 1 to 200 letters, digits, spaces or . _ : - and start with a letter or digit");
    }
    return value;
  }
}
