package dev.agentwarden.core.scan.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.CoreException;
import dev.agentwarden.core.scan.ContentSource;
import java.util.Map;
import java.util.Set;

/**
 * An agent's injection verdict settings: per trust of the source ({@code user}, {@code
 * tool_output}, {@code retrieved_document}), the score at or above which content is annotated,
 * quarantined (wrapped as untrusted data, with a warning to the model) and blocked. A source or
 * threshold left out keeps the standard value ({@link InjectionPolicy#standard()}); a threshold
 * of {@code null} turns that action off for the source. Example: {@code {"tool_output":
 * {"quarantine": 0.3, "block": null}}}.
 */
public final class InjectionSettings {
  private static final Set<String> ACTIONS = Set.of("annotate", "quarantine", "block");
  /** Most characters of the stored settings (the JSON text). */
  public static final int MAX_CHARS = 4_000;

  private InjectionSettings() {}

  /** Settings that were refused, with the reason; the HTTP layer answers 400. */
  public static final class InvalidSettingsException extends CoreException {
    private static final long serialVersionUID = 1L;

    InvalidSettingsException(String message) {
      super("invalid_injection_settings", message);
    }
  }

  /**
   * The policy these settings describe.
   *
   * @throws InvalidSettingsException naming the bad member and the allowed values
   */
  public static InjectionPolicy parse(JsonNode settings) {
    if (settings == null || !settings.isObject()) {
      throw new InvalidSettingsException("injection settings must be an object keyed by user, tool_output,"
          + " retrieved_document");
    }
    InjectionPolicy standard = InjectionPolicy.standard();
    InjectionPolicy.Builder b = InjectionPolicy.builder();
    for (Map.Entry<String, JsonNode> e : settings.properties()) {
      ContentSource source = source(e.getKey());
      JsonNode t = e.getValue();
      if (!t.isObject()) {
        throw new InvalidSettingsException("injection." + e.getKey() + " must be an object of annotate, quarantine,"
            + " block thresholds");
      }
      for (String name : (Iterable<String>) t::fieldNames) {
        if (!ACTIONS.contains(name)) {
          throw new InvalidSettingsException("injection." + e.getKey() + "." + name
              + " is not a setting; allowed: annotate, quarantine, block");
        }
      }
      InjectionPolicy.Thresholds d = standard.thresholds(source);
      double annotate = threshold(t, "annotate", d.annotate(), e.getKey());
      double quarantine = threshold(t, "quarantine", d.quarantine(), e.getKey());
      double block = threshold(t, "block", d.block(), e.getKey());
      if (!(annotate <= quarantine && quarantine <= block)) {
        throw new InvalidSettingsException("injection." + e.getKey() + " thresholds must rise: annotate (" + shown(annotate)
            + ") <= quarantine (" + shown(quarantine) + ") <= block (" + shown(block) + "); null turns an action off");
      }
      b.thresholds(source, new InjectionPolicy.Thresholds(annotate, quarantine, block));
    }
    return b.build();
  }

  /** The policy of stored settings text; settings that no longer read refuse (see {@link #parse}). */
  public static InjectionPolicy parse(String stored) {
    try {
      return parse(dev.agentwarden.core.json.CanonicalJson.parse(stored));
    } catch (InvalidSettingsException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InvalidSettingsException("stored injection settings are not JSON");
    }
  }

  /** Every source's thresholds in effect ({@code null} where an action is off), for display. */
  public static ObjectNode effective(InjectionPolicy policy) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (ContentSource s : ContentSource.values()) {
      InjectionPolicy.Thresholds t = policy.thresholds(s);
      ObjectNode o = out.putObject(s.label());
      put(o, "annotate", t.annotate());
      put(o, "quarantine", t.quarantine());
      put(o, "block", t.block());
    }
    return out;
  }

  private static void put(ObjectNode o, String name, double v) {
    if (v >= InjectionPolicy.NEVER) {
      o.putNull(name);
    } else {
      o.put(name, v);
    }
  }

  private static ContentSource source(String key) {
    for (ContentSource s : ContentSource.values()) {
      if (s.label().equals(key)) {
        return s;
      }
    }
    throw new InvalidSettingsException("injection." + shownKey(key) + " is not a source; allowed: user, tool_output,"
        + " retrieved_document");
  }

  private static double threshold(JsonNode t, String name, double standard, String source) {
    if (!t.has(name)) {
      return standard;
    }
    JsonNode v = t.get(name);
    if (v.isNull()) {
      return InjectionPolicy.NEVER;
    }
    if (!v.isNumber() || v.doubleValue() < 0 || v.doubleValue() > 1) {
      throw new InvalidSettingsException("injection." + source + "." + name + " must be a number from 0 to 1, or null"
          + " (never)");
    }
    return v.doubleValue();
  }

  private static String shown(double v) {
    return v >= InjectionPolicy.NEVER ? "null" : Double.toString(v);
  }

  private static String shownKey(String key) {
    return key.length() <= 40 ? key.replaceAll("[^\\x20-\\x7e]", "?") : key.substring(0, 40) + "…";
  }
}
