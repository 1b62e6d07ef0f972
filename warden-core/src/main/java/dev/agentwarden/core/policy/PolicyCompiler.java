package dev.agentwarden.core.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentwarden.core.policy.Policy.Mode;
import dev.agentwarden.core.policy.Policy.Section;
import dev.agentwarden.core.policy.files.FilesystemPolicy;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.core.policy.shell.ArgumentRule;
import dev.agentwarden.core.policy.shell.ProgramRule;
import dev.agentwarden.core.policy.shell.ShellPolicy;
import dev.agentwarden.core.policy.tools.ArgumentConstraint;
import dev.agentwarden.core.policy.tools.ToolPolicy;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Turns a policy document tree into a {@link Policy}; every error names the field at fault. */
final class PolicyCompiler {
  static final int MAX_DOCUMENT_CHARS = 1024 * 1024;
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
  private static final ObjectMapper YAML =
      new YAMLMapper(YAMLFactory.builder().build()).enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private PolicyCompiler() {}

  static JsonNode readTree(String text) {
    if (text == null || text.isBlank()) {
      throw new PolicyException("the policy document is empty");
    }
    if (text.length() > MAX_DOCUMENT_CHARS) {
      throw new PolicyException("the policy document is larger than " + MAX_DOCUMENT_CHARS + " characters");
    }
    String trimmed = text.stripLeading();
    try {
      JsonNode tree = trimmed.startsWith("{") ? JSON.readTree(text) : YAML.readTree(text);
      if (tree == null || tree.isMissingNode()) {
        throw new PolicyException("the policy document is empty");
      }
      return tree;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw new PolicyException("the policy document is not valid " + (trimmed.startsWith("{") ? "JSON" : "YAML") + where + ": " + e.getOriginalMessage());
    }
  }

  static Policy compile(JsonNode doc) {
    if (doc == null || !doc.isObject()) {
      throw new PolicyException("the policy document must be a mapping with 'name' and sections");
    }
    checkKeys(doc, "policy", Set.of("name", "version", "description", "mode", "network", "filesystem", "shell", "tools"));
    String name = text(doc.get("name"), "name");
    if (!NAME.matcher(name).matches()) {
      throw new PolicyException("name '" + name + "' must be 1-64 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
    }
    OptionalInt version = OptionalInt.empty();
    if (doc.has("version")) {
      JsonNode v = doc.get("version");
      if (!v.isInt() || v.intValue() < 1) {
        throw new PolicyException("version must be a positive integer");
      }
      version = OptionalInt.of(v.intValue());
    }
    Optional<String> description = doc.has("description") ? Optional.of(text(doc.get("description"), "description")) : Optional.empty();
    Mode defaultMode = doc.has("mode") ? mode(doc.get("mode"), "mode") : Mode.ENFORCE;

    Map<Section, Mode> modes = new EnumMap<>(Section.class);
    JsonNode networkNode = section(doc, "network");
    if (defaultMode == Mode.REPORT && !networkNode.has("mode")) {
      // The document-wide mode applies to the network section too, present or not.
      ObjectNode copy = networkNode.isObject() ? (ObjectNode) networkNode.deepCopy() : JSON.createObjectNode();
      networkNode = copy.put("mode", "report");
    }
    NetworkPolicy network = networkNode.isMissingNode() ? NetworkPolicy.denyAll() : NetworkPolicy.fromJson(networkNode);
    modes.put(Section.NETWORK, network.mode() == NetworkPolicy.Mode.REPORT ? Mode.REPORT : Mode.ENFORCE);

    JsonNode files = section(doc, "filesystem");
    modes.put(Section.FILESYSTEM, sectionMode(files, "filesystem", defaultMode));
    JsonNode shell = section(doc, "shell");
    modes.put(Section.SHELL, sectionMode(shell, "shell", defaultMode));
    JsonNode tools = section(doc, "tools");
    modes.put(Section.TOOLS, sectionMode(tools, "tools", defaultMode));

    return new Policy(
        name, version, description, network, filesystem(files), shell(shell), tools(tools), modes);
  }

  // ---- filesystem

  private static FilesystemPolicy filesystem(JsonNode node) {
    if (node.isMissingNode()) {
      return FilesystemPolicy.denyAll();
    }
    // No 'root' key: where a tenant's workspace lives is the operator's configuration, never
    // something a tenant's own document could point at another directory of the host.
    checkKeys(node, "filesystem", Set.of("mode", "read", "write", "deny"));
    FilesystemPolicy.Builder b = FilesystemPolicy.builder();
    for (String glob : strings(node.get("read"), "filesystem.read")) {
      b.allowRead(glob);
    }
    for (String glob : strings(node.get("write"), "filesystem.write")) {
      b.allowWrite(glob);
    }
    for (String glob : strings(node.get("deny"), "filesystem.deny")) {
      b.deny(glob);
    }
    return b.build();
  }

  // ---- shell

  private static ShellPolicy shell(JsonNode node) {
    if (node.isMissingNode()) {
      return ShellPolicy.disabled();
    }
    checkKeys(node, "shell", Set.of("mode", "enabled", "path", "operators", "programs"));
    boolean enabled = node.has("enabled") && bool(node.get("enabled"), "shell.enabled");
    if (!enabled) {
      if (node.has("programs") || node.has("operators")) {
        throw new PolicyException("shell.enabled must be true when shell.programs or shell.operators are given");
      }
      return ShellPolicy.disabled();
    }
    ShellPolicy.Builder b = ShellPolicy.builder();
    if (node.has("path")) {
      b.searchPath(strings(node.get("path"), "shell.path"));
    }
    Set<ShellPolicy.Operator> operators = EnumSet.noneOf(ShellPolicy.Operator.class);
    List<String> ops = strings(node.get("operators"), "shell.operators");
    for (int i = 0; i < ops.size(); i++) {
      try {
        operators.add(ShellPolicy.Operator.valueOf(ops.get(i).toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new PolicyException("shell.operators[" + i + "] '" + ops.get(i) + "' must be one of pipe, and, or, sequence");
      }
    }
    b.allowOperators(operators);
    JsonNode programs = node.get("programs");
    if (programs != null && !programs.isNull()) {
      if (!programs.isObject()) {
        throw new PolicyException("shell.programs must be a mapping from program name to its rule");
      }
      for (Map.Entry<String, JsonNode> entry : programs.properties()) {
        String where = "shell.programs." + entry.getKey();
        JsonNode rule = entry.getValue();
        if (rule.isNull()) {
          rule = JSON.createObjectNode();
        }
        if (!rule.isObject()) {
          throw new PolicyException(where + " must be a mapping (use {} for no restrictions)");
        }
        checkKeys(rule, where, Set.of("options", "arguments", "require", "allow", "subcommands"));
        ProgramRule.Builder pb = withField(where, () -> ProgramRule.builder(entry.getKey()));
        pb.arguments(argumentRule(rule, where));
        pb.allowHazards(strings(rule.get("allow"), where + ".allow"));
        JsonNode subs = rule.get("subcommands");
        if (subs != null && !subs.isNull()) {
          if (!subs.isObject()) {
            throw new PolicyException(where + ".subcommands must be a mapping from subcommand to its rule");
          }
          for (Map.Entry<String, JsonNode> sub : subs.properties()) {
            String subWhere = where + ".subcommands." + sub.getKey();
            JsonNode subRule = sub.getValue().isNull() ? JSON.createObjectNode() : sub.getValue();
            if (!subRule.isObject()) {
              throw new PolicyException(subWhere + " must be a mapping (use {} for no restrictions)");
            }
            checkKeys(subRule, subWhere, Set.of("options", "arguments", "require"));
            ArgumentRule ar = argumentRule(subRule, subWhere);
            withField(subWhere, () -> pb.subcommand(sub.getKey(), ar));
          }
        }
        b.allowProgram(pb.build());
      }
    }
    return b.build();
  }

  private static ArgumentRule argumentRule(JsonNode rule, String where) {
    ArgumentRule.Builder ab = ArgumentRule.builder();
    if (rule.has("options")) {
      List<String> options = strings(rule.get("options"), where + ".options");
      withField(where + ".options", () -> ab.allowOptions(options));
    }
    if (rule.has("arguments")) {
      List<String> arguments = strings(rule.get("arguments"), where + ".arguments");
      withField(where + ".arguments", () -> ab.allowArguments(arguments));
    }
    if (rule.has("require")) {
      List<String> require = strings(rule.get("require"), where + ".require");
      withField(where + ".require", () -> ab.requireOptions(require));
    }
    return ab.build();
  }

  // ---- tools

  private static ToolPolicy tools(JsonNode node) {
    if (node.isMissingNode()) {
      return ToolPolicy.denyAll();
    }
    checkKeys(node, "tools", Set.of("mode", "allow"));
    ToolPolicy.Builder b = ToolPolicy.builder();
    JsonNode allow = node.get("allow");
    if (allow == null || allow.isNull()) {
      return b.build();
    }
    if (!allow.isArray()) {
      throw new PolicyException("tools.allow must be a list");
    }
    for (int i = 0; i < allow.size(); i++) {
      String where = "tools.allow[" + i + "]";
      JsonNode entry = allow.get(i);
      if (!entry.isObject()) {
        throw new PolicyException(where + " must be a mapping with 'tool'");
      }
      checkKeys(entry, where, Set.of("id", "tool", "agents", "arguments", "required", "additional_arguments"));
      String tool = text(entry.get("tool"), where + ".tool");
      ToolPolicy.RuleBuilder rb = withField(where + ".tool", () -> ToolPolicy.rule(tool));
      List<String> agents = strings(entry.get("agents"), where + ".agents");
      withField(where + ".agents", () -> rb.agents(agents));
      JsonNode args = entry.get("arguments");
      if (args != null && !args.isNull()) {
        if (!args.isObject()) {
          throw new PolicyException(where + ".arguments must be a mapping from argument name to constraints");
        }
        for (Map.Entry<String, JsonNode> arg : args.properties()) {
          String argWhere = where + ".arguments." + arg.getKey();
          rb.argument(arg.getKey(), constraint(arg.getValue(), argWhere));
        }
      }
      rb.require(strings(entry.get("required"), where + ".required"));
      if (entry.has("additional_arguments")) {
        rb.additionalArguments(bool(entry.get("additional_arguments"), where + ".additional_arguments"));
      }
      Optional<String> id = entry.has("id") ? Optional.of(text(entry.get("id"), where + ".id")) : Optional.empty();
      ToolPolicy.Rule rule = withField(where, rb::build);
      withField(where + ".id", () -> b.allow(rule, id));
    }
    return b.build();
  }

  private static ArgumentConstraint constraint(JsonNode node, String where) {
    if (node.isNull()) {
      return ArgumentConstraint.builder().build();
    }
    if (!node.isObject()) {
      throw new PolicyException(where + " must be a mapping of constraints (enum, pattern, max_length, hosts)");
    }
    checkKeys(node, where, Set.of("enum", "pattern", "max_length", "hosts"));
    ArgumentConstraint.Builder cb = ArgumentConstraint.builder();
    if (node.has("enum")) {
      JsonNode values = node.get("enum");
      if (!values.isArray() || values.isEmpty()) {
        throw new PolicyException(where + ".enum must be a non-empty list");
      }
      List<JsonNode> list = new ArrayList<>();
      values.forEach(list::add);
      withField(where + ".enum", () -> cb.allowValues(list));
    }
    if (node.has("pattern")) {
      String pattern = text(node.get("pattern"), where + ".pattern");
      withField(where + ".pattern", () -> cb.pattern(pattern));
    }
    if (node.has("max_length")) {
      JsonNode max = node.get("max_length");
      if (!max.isInt()) {
        throw new PolicyException(where + ".max_length must be an integer");
      }
      withField(where + ".max_length", () -> cb.maxLength(max.intValue()));
    }
    if (node.has("hosts")) {
      List<String> hosts = strings(node.get("hosts"), where + ".hosts");
      withField(where + ".hosts", () -> cb.allowHosts(hosts));
    }
    return cb.build();
  }

  // ---- helpers

  private static JsonNode section(JsonNode doc, String name) {
    JsonNode n = doc.get(name);
    if (n == null || n.isNull()) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
    if (!n.isObject()) {
      throw new PolicyException(name + " must be a mapping");
    }
    return n;
  }

  private static Mode sectionMode(JsonNode section, String where, Mode defaultMode) {
    return section.has("mode") ? mode(section.get("mode"), where + ".mode") : defaultMode;
  }

  private static Mode mode(JsonNode n, String where) {
    String m = text(n, where);
    return switch (m) {
      case "enforce" -> Mode.ENFORCE;
      case "report" -> Mode.REPORT;
      default -> throw new PolicyException(where + " '" + m + "' must be 'enforce' or 'report'");
    };
  }

  /** Runs a builder call, prefixing any {@link PolicyException} with the field it came from. */
  private static <T> T withField(String where, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (PolicyException e) {
      if (String.valueOf(e.getMessage()).startsWith(where)) {
        throw e;
      }
      throw new PolicyException(where + ": " + e.getMessage(), e);
    }
  }

  private static void checkKeys(JsonNode node, String where, Set<String> allowed) {
    for (String n : (Iterable<String>) node::fieldNames) {
      if (!allowed.contains(n)) {
        throw new PolicyException(where + " has unknown key '" + n + "'; allowed: " + new TreeSet<>(allowed));
      }
    }
  }

  private static String text(JsonNode n, String where) {
    if (n == null || n.isNull()) {
      throw new PolicyException(where + " is required");
    }
    if (!n.isTextual()) {
      throw new PolicyException(where + " must be a string");
    }
    return n.textValue();
  }

  private static boolean bool(JsonNode n, String where) {
    if (!n.isBoolean()) {
      throw new PolicyException(where + " must be true or false");
    }
    return n.booleanValue();
  }

  private static List<String> strings(JsonNode n, String where) {
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new PolicyException(where + " must be a list");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      out.add(text(n.get(i), where + "[" + i + "]"));
    }
    return out;
  }
}
