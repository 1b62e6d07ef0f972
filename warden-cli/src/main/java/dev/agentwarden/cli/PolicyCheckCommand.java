package dev.agentwarden.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentwarden.core.policy.ActionDecision;
import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.Policy;
import dev.agentwarden.core.policy.PolicyException;
import dev.agentwarden.core.policy.files.FileAccess;
import dev.agentwarden.core.policy.network.NetworkDecision;
import dev.agentwarden.egress.SystemResolver;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code warden policy check}: decides one action under a policy file. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Decides one action under a policy file and prints the decision and the rule.",
      "Exit codes: 0 allowed, 1 denied, 2 bad input."
    })
final class PolicyCheckCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--policy", required = true, paramLabel = "FILE", description = "Policy document (YAML or JSON).")
  Path policyFile;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Action action;

  static final class Action {
    @Option(names = "--url", paramLabel = "URL", description = "An outbound request (the name is resolved with the system resolver, once).")
    String url;

    @Option(names = "--path", paramLabel = "PATH", description = "A workspace-relative file path (read unless --write).")
    String path;

    @Option(names = "--command", paramLabel = "COMMAND", description = "A shell command line.")
    String command;

    @Option(names = "--tool", paramLabel = "TOOL", description = "An MCP tool name (with --args).")
    String tool;
  }

  @Option(names = "--write", description = "With --path: decide a write instead of a read.")
  boolean write;

  @Option(names = "--method", paramLabel = "METHOD", defaultValue = "GET", description = "With --url: the HTTP method (default GET).")
  String method;

  @Option(names = "--args", paramLabel = "JSON", description = "With --tool: the arguments, a JSON object (default {}).")
  String args;

  @Option(names = "--agent", paramLabel = "NAME", defaultValue = "cli", description = "With --tool: the calling agent (default cli).")
  String agent;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if ((write && action.path == null) || (args != null && action.tool == null)) {
      err.println("warden: --write goes with --path, --args with --tool");
      return ExitCodes.USAGE;
    }
    Policy policy;
    try {
      policy = Policy.parse(Files.readString(policyFile));
    } catch (IOException e) {
      err.println("warden: cannot read " + policyFile + ": " + e.getMessage());
      return ExitCodes.USAGE;
    } catch (PolicyException e) {
      err.println("warden: invalid policy " + policyFile + ": " + e.getMessage());
      return ExitCodes.USAGE;
    }
    Decision decision;
    Optional<Decision> waived = Optional.empty();
    Optional<String> connectTo = Optional.empty();
    if (action.url != null) {
      NetworkDecision d = policy.checkUrl(method, action.url, SystemResolver.instance());
      decision = d.decision();
      waived = d.waived();
      connectTo = d.destination().map(dest -> dest.address().toString());
    } else if (action.path != null) {
      ActionDecision d = policy.checkFile(write ? FileAccess.WRITE : FileAccess.READ, action.path);
      decision = d.decision();
      waived = d.waived();
    } else if (action.command != null) {
      ActionDecision d = policy.checkCommand(action.command);
      decision = d.decision();
      waived = d.waived();
    } else {
      JsonNode arguments;
      try {
        arguments = JSON.readTree(args == null ? "{}" : args);
      } catch (JsonProcessingException e) {
        err.println("warden: --args is not JSON: " + e.getOriginalMessage());
        return ExitCodes.USAGE;
      }
      if (arguments == null || !arguments.isObject()) {
        err.println("warden: --args must be a JSON object");
        return ExitCodes.USAGE;
      }
      ActionDecision d = policy.checkTool(agent, action.tool, arguments);
      decision = d.decision();
      waived = d.waived();
    }
    out.println((decision.allowed() ? "allow " : "deny ") + decision.ruleId() + ": " + decision.reason());
    waived.ifPresent(w -> out.println("waived (report mode) " + w.ruleId() + ": " + w.reason()));
    connectTo.ifPresent(a -> out.println("connect to " + a));
    return decision.allowed() ? ExitCodes.OK : ExitCodes.REFUSED;
  }
}
