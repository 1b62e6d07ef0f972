package dev.agentwarden.core.scan.injection;

import dev.agentwarden.core.scan.ContentSource;
import java.util.List;
import java.util.Objects;

/**
 * The decision about one piece of content.
 *
 * @param action what to do with it
 * @param source where it came from
 * @param score the injection score it was decided on
 * @param reasons why, safe to log and show
 */
public record Verdict(Action action, ContentSource source, double score, List<String> reasons) {
  public Verdict {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(source, "source");
    reasons = List.copyOf(reasons);
  }
}
