package dev.agentwarden.core.policy.network;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.PolicyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluates the labelled SSRF corpus ({@code corpora/ssrf/*.jsonl}, items {@code {url, label:
 * internal|external|ambiguous, category, resolves_to, note}}) against the network policy.
 *
 * <p>Each item is decided under "allow any public destination" (host {@code *}, http and https,
 * any port), with a resolver holding one entry: the item's host name maps to the addresses in
 * {@code resolves_to}; with no entry the name does not resolve. Pure: the caller reads the files.
 * A correct result allows no {@code internal} item, lets every allowed {@code ambiguous} item
 * reach only a public address, and allows at least 95 % of {@code external} items.
 */
public final class SsrfCorpus {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final NetworkPolicy ANY_PUBLIC = NetworkPolicy.anyPublicDestination();

  private SsrfCorpus() {}

  /** The outcome for one corpus line. */
  public record Item(String file, int line, String label, String url, Decision decision, Optional<IpAddress> connectedTo) {
    /**
     * One JSON line: {@code {"file","line","label","decision":"allow"|"deny","rule","connected_to"}}
     * ({@code connected_to} is the address egress would connect to, or null).
     */
    public String toJsonLine() {
      ObjectNode n = JSON.createObjectNode();
      n.put("file", file);
      n.put("line", line);
      n.put("label", label);
      n.put("decision", decision.allowed() ? "allow" : "deny");
      n.put("rule", decision.ruleId());
      if (connectedTo.isPresent()) {
        n.put("connected_to", connectedTo.get().toString());
      } else {
        n.putNull("connected_to");
      }
      return n.toString();
    }

    boolean reachesOnlyPublic() {
      return connectedTo.isPresent() && AddressClassifier.classify(connectedTo.get()).isPublic();
    }
  }

  /**
   * Counts for one file.
   *
   * @param internalAllowed internal items that were allowed (must be 0)
   * @param ambiguousNonPublic ambiguous items allowed to a non-public address (must be 0)
   */
  public record Summary(
      String file,
      int items,
      int internal,
      int internalAllowed,
      int external,
      int externalAllowed,
      int ambiguous,
      int ambiguousRefused,
      int ambiguousNonPublic) {

    public double externalAllowedRate() {
      return external == 0 ? 1.0 : (double) externalAllowed / external;
    }

    /** No internal item allowed, no ambiguous item reaching a non-public address, ≥ 95 % external allowed. */
    public boolean passes() {
      return internalAllowed == 0 && ambiguousNonPublic == 0 && externalAllowedRate() >= 0.95;
    }

    public String toLine() {
      return String.format(
          Locale.ROOT,
          "%s: %d items; internal: %d, allowed %d; external: %d, allowed %d (%.1f%%); ambiguous: %d, refused %d, reaching a non-public address %d; %s",
          file, items, internal, internalAllowed, external, externalAllowed, 100 * externalAllowedRate(),
          ambiguous, ambiguousRefused, ambiguousNonPublic, passes() ? "PASS" : "FAIL");
    }
  }

  /**
   * Decides every non-blank line of one corpus file ({@code file} is the name to report).
   *
   * @throws PolicyException when a line is not a corpus item
   */
  public static List<Item> evaluate(String file, List<String> lines) {
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      out.add(evaluateLine(file, i + 1, line));
    }
    return out;
  }

  static Item evaluateLine(String file, int lineNo, String line) {
    JsonNode item;
    try {
      item = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new PolicyException(file + ":" + lineNo + " is not JSON");
    }
    if (item == null || !item.isObject() || !item.path("url").isTextual() || !item.path("label").isTextual()) {
      throw new PolicyException(file + ":" + lineNo + " needs string fields 'url' and 'label'");
    }
    String url = item.get("url").asText();
    String label = item.get("label").asText();
    Resolver resolver = resolverFor(url, item.path("resolves_to"));
    NetworkDecision d = ANY_PUBLIC.check("GET", url, resolver);
    return new Item(file, lineNo, label, url, d.decision(), d.destination().map(Destination::address));
  }

  private static Resolver resolverFor(String url, JsonNode resolvesTo) {
    List<IpAddress> addresses = new ArrayList<>();
    List<JsonNode> values = new ArrayList<>();
    if (resolvesTo.isArray()) {
      resolvesTo.forEach(values::add);
    } else if (resolvesTo.isTextual()) {
      values.add(resolvesTo);
    }
    for (JsonNode v : values) {
      // Entries that are not plain addresses (a zone id) give no table entry: no resolution.
      IpAddress.parse(v.asText().trim()).ifPresent(addresses::add);
    }
    if (addresses.isEmpty()) {
      return Resolver.none();
    }
    try {
      HttpUrl parsed = HttpUrl.parse(url);
      return Resolver.fixed(Map.of(parsed.host(), List.copyOf(addresses)));
    } catch (InvalidUrlException e) {
      return Resolver.none();
    }
  }

  /** Totals for one file's results. */
  public static Summary summarise(String file, List<Item> items) {
    int internal = 0, internalAllowed = 0, external = 0, externalAllowed = 0;
    int ambiguous = 0, ambiguousRefused = 0, ambiguousNonPublic = 0;
    for (Item it : items) {
      boolean allowed = it.decision().allowed();
      switch (it.label()) {
        case "internal" -> {
          internal++;
          internalAllowed += allowed ? 1 : 0;
        }
        case "external" -> {
          external++;
          externalAllowed += allowed ? 1 : 0;
        }
        default -> {
          ambiguous++;
          if (!allowed) {
            ambiguousRefused++;
          } else if (!it.reachesOnlyPublic()) {
            ambiguousNonPublic++;
          }
        }
      }
    }
    return new Summary(file, items.size(), internal, internalAllowed, external, externalAllowed, ambiguous, ambiguousRefused, ambiguousNonPublic);
  }
}
