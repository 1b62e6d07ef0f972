package dev.agentwarden.core.id;

import java.util.UUID;
import java.util.regex.Pattern;

/** Strict parsing of the canonical UUID text form used in every public id. */
public final class Ids {
  private static final Pattern CANONICAL =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private Ids() {}

  /**
   * Parses a lower-case canonical UUID. {@link UUID#fromString} accepts forms such as
   * {@code 1-1-1-1-1}; ids that compare equal must also look equal in logs and URLs.
   */
  public static UUID parseUuid(String text, String what) {
    if (text == null || !CANONICAL.matcher(text).matches()) {
      throw new InvalidIdException(what + " must be a lower-case UUID");
    }
    return UUID.fromString(text);
  }
}
