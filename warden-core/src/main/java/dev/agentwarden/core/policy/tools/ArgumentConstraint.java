package dev.agentwarden.core.policy.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.policy.PolicyException;
import dev.agentwarden.core.policy.network.HttpUrl;
import dev.agentwarden.core.policy.network.InvalidUrlException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Constraints on one argument of a tool call, JSON-schema-like: allowed values ({@code enum}),
 * a regular expression the whole string must match ({@code pattern}), a maximum length in
 * characters ({@code max_length}), and for URL arguments the hosts they may name ({@code hosts}:
 * exact names or {@code *.suffix} for strict subdomains; the URL goes through the one strict
 * parser egress uses).
 */
public final class ArgumentConstraint {
  private final List<JsonNode> enumValues;
  private final Optional<Pattern> pattern;
  private final OptionalInt maxLength;
  private final List<String> hosts;

  private ArgumentConstraint(Builder b) {
    this.enumValues = List.copyOf(b.enumValues);
    this.pattern = b.pattern;
    this.maxLength = b.maxLength;
    this.hosts = List.copyOf(b.hosts);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Why {@code value} violates this constraint, or empty when it satisfies it. */
  Optional<String> violation(String name, JsonNode value) {
    if (!enumValues.isEmpty() && !enumValues.contains(value)) {
      return Optional.of("argument '" + name + "' must be one of " + enumValues);
    }
    boolean stringConstraints = pattern.isPresent() || maxLength.isPresent() || !hosts.isEmpty();
    if (!stringConstraints) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      return Optional.of("argument '" + name + "' must be a string");
    }
    String text = value.textValue();
    if (maxLength.isPresent() && text.codePointCount(0, text.length()) > maxLength.getAsInt()) {
      return Optional.of("argument '" + name + "' is longer than " + maxLength.getAsInt() + " characters");
    }
    if (pattern.isPresent() && !pattern.get().matcher(text).matches()) {
      return Optional.of("argument '" + name + "' does not match pattern " + pattern.get().pattern());
    }
    if (!hosts.isEmpty()) {
      HttpUrl url;
      try {
        url = HttpUrl.parse(text);
      } catch (InvalidUrlException e) {
        return Optional.of("argument '" + name + "' is not a valid http(s) URL");
      }
      if (!hostAllowed(url.host())) {
        return Optional.of("argument '" + name + "' names host '" + url.host() + "', not one of " + hosts);
      }
    }
    return Optional.empty();
  }

  private boolean hostAllowed(String host) {
    for (String allowed : hosts) {
      if (allowed.startsWith("*.")) {
        if (host.endsWith(allowed.substring(1)) && host.length() > allowed.length() - 1) {
          return true;
        }
      } else if (allowed.equals(host)) {
        return true;
      }
    }
    return false;
  }

  /** Builds an {@link ArgumentConstraint}. */
  public static final class Builder {
    private final List<JsonNode> enumValues = new ArrayList<>();
    private Optional<Pattern> pattern = Optional.empty();
    private OptionalInt maxLength = OptionalInt.empty();
    private final List<String> hosts = new ArrayList<>();

    private Builder() {}

    public Builder allowValues(List<JsonNode> values) {
      for (JsonNode v : values) {
        if (v == null || v.isContainerNode()) {
          throw new PolicyException("enum values must be strings, numbers, booleans or null");
        }
        enumValues.add(v);
      }
      return this;
    }

    public Builder pattern(String regex) {
      try {
        this.pattern = Optional.of(Pattern.compile(regex));
      } catch (PatternSyntaxException e) {
        throw new PolicyException("pattern '" + regex + "' is not a valid regular expression: " + e.getDescription());
      }
      return this;
    }

    public Builder maxLength(int max) {
      if (max < 0) {
        throw new PolicyException("max_length must be 0 or more, got " + max);
      }
      this.maxLength = OptionalInt.of(max);
      return this;
    }

    public Builder allowHosts(List<String> names) {
      for (String name : names) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        String bare = n.startsWith("*.") ? n.substring(2) : n;
        if (bare.isEmpty() || !bare.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
          throw new PolicyException("host '" + name + "' must be a host name or *.suffix");
        }
        hosts.add(n);
      }
      return this;
    }

    public ArgumentConstraint build() {
      return new ArgumentConstraint(this);
    }
  }
}
