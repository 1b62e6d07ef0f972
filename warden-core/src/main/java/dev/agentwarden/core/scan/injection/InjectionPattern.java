package dev.agentwarden.core.scan.injection;

import java.util.regex.Pattern;

/** One weighted pattern of a technique family. */
record InjectionPattern(String id, Family family, double weight, Pattern pattern) {
  static InjectionPattern of(String id, Family family, double weight, String regex) {
    return new InjectionPattern(
        id, family, weight, Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
  }

  static InjectionPattern caseSensitive(String id, Family family, double weight, String regex) {
    return new InjectionPattern(id, family, weight, Pattern.compile(regex));
  }
}
