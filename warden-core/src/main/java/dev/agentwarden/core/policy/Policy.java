package dev.agentwarden.core.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.policy.files.FileAccess;
import dev.agentwarden.core.policy.files.FilesystemPolicy;
import dev.agentwarden.core.policy.network.NetworkDecision;
import dev.agentwarden.core.policy.network.NetworkPolicy;
import dev.agentwarden.core.policy.network.Resolver;
import dev.agentwarden.core.policy.shell.ShellPolicy;
import dev.agentwarden.core.policy.tools.ToolPolicy;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A compiled policy document: one immutable, thread-safe decision function per kind of agent
 * action (network, filesystem, shell, tools), each default-deny.
 *
 * <p>A section in {@code report} mode allows what its allowlist would deny and returns the waived
 * denial for the audit log; the guards stay denied in every mode (for files: refused path forms;
 * for shell: input the parser does not accept; for tools: arguments that are not an object;
 * for network: see {@link NetworkPolicy}). Build one with {@link #parse} (YAML or JSON text) or
 * {@link #fromJson}; validation errors are {@link PolicyException}s naming the bad field.
 */
public final class Policy {
  /** Enforce denies; report allows and records what would have been denied. */
  public enum Mode {
    ENFORCE,
    REPORT
  }

  /** The sections of a policy document. */
  public enum Section {
    NETWORK,
    FILESYSTEM,
    SHELL,
    TOOLS
  }

  private static final Set<String> FILE_GUARDS = Set.of("filesystem.internal_error");
  private static final Set<String> SHELL_GUARDS = Set.of("shell.syntax", "shell.internal_error", "shell.empty");
  private static final Set<String> TOOL_GUARDS = Set.of("tools.invalid_arguments", "tools.internal_error");

  private final String name;
  private final OptionalInt version;
  private final Optional<String> description;
  private final NetworkPolicy network;
  private final FilesystemPolicy filesystem;
  private final ShellPolicy shell;
  private final ToolPolicy tools;
  private final Map<Section, Mode> modes;

  Policy(
      String name, OptionalInt version, Optional<String> description, NetworkPolicy network,
      FilesystemPolicy filesystem, ShellPolicy shell, ToolPolicy tools, Map<Section, Mode> modes) {
    this.name = name;
    this.version = version;
    this.description = description;
    this.network = network;
    this.filesystem = filesystem;
    this.shell = shell;
    this.tools = tools;
    this.modes = Map.copyOf(modes);
  }

  /** Parses and compiles a policy document written in YAML or JSON. */
  public static Policy parse(String text) {
    return PolicyCompiler.compile(PolicyCompiler.readTree(text));
  }

  /** Compiles an already parsed policy document. */
  public static Policy fromJson(JsonNode document) {
    return PolicyCompiler.compile(document);
  }

  public String name() {
    return name;
  }

  /** The version written in the document, if any (the store numbers stored versions itself). */
  public OptionalInt version() {
    return version;
  }

  public Optional<String> description() {
    return description;
  }

  public Mode mode(Section section) {
    return Objects.requireNonNull(modes.get(section), "a mode for every section");
  }

  public NetworkPolicy network() {
    return network;
  }

  public FilesystemPolicy filesystem() {
    return filesystem;
  }

  public ShellPolicy shell() {
    return shell;
  }

  public ToolPolicy tools() {
    return tools;
  }

  /** Decides an outbound request; the network section applies its own mode. */
  public NetworkDecision checkUrl(String method, String url, Resolver resolver) {
    return network.check(method, url, resolver);
  }

  /** Decides a file access on a workspace-relative path. */
  public ActionDecision checkFile(FileAccess access, String path) {
    Decision d = filesystem.check(access, path);
    boolean guard = FILE_GUARDS.contains(d.ruleId()) || d.ruleId().startsWith("filesystem.path.");
    return inMode(Section.FILESYSTEM, d, guard);
  }

  /** Decides a shell command line. */
  public ActionDecision checkCommand(String command) {
    Decision d = shell.evaluate(command);
    return inMode(Section.SHELL, d, SHELL_GUARDS.contains(d.ruleId()));
  }

  /** Decides a call of an MCP tool by an agent. */
  public ActionDecision checkTool(String agent, String tool, JsonNode arguments) {
    Decision d = tools.check(agent, tool, arguments);
    return inMode(Section.TOOLS, d, TOOL_GUARDS.contains(d.ruleId()));
  }

  private ActionDecision inMode(Section section, Decision d, boolean guard) {
    if (d.allowed() || guard || modes.get(section) == Mode.ENFORCE) {
      return new ActionDecision(d, Optional.empty());
    }
    String prefix = section.name().toLowerCase(java.util.Locale.ROOT);
    return new ActionDecision(
        Decision.allow(prefix + ".report_mode", "report mode: allowed, but " + d.ruleId() + " would deny: " + d.reason()),
        Optional.of(d));
  }
}
