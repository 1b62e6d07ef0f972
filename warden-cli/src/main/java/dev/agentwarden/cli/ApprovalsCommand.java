package dev.agentwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code warden approvals}: decide approval requests from a terminal. */
@Command(
    name = "approvals",
    mixinStandardHelpOptions = true,
    description = "Approval requests of a gateway.",
    subcommands = {ApprovalsCommand.Watch.class})
final class ApprovalsCommand {

  /**
   * {@code warden approvals watch}: shows each pending request as it arrives with its exact
   * payload and SHA-256, and asks y (approve) / n (deny) / a (approve and allow this exact tool
   * + argument hash for this agent for the rest of its MCP session) / s (skip). The decision
   * echoes the hash that was shown, so what is approved is exactly what was displayed. Active
   * session allows are listed whenever they change; {@code l} lists them again and {@code r N}
   * revokes the N-th, at the prompt or at any time between requests.
   */
  @Command(name = "watch", mixinStandardHelpOptions = true,
      description = "Show pending approval requests as they arrive; answer y (approve), n (deny), a (approve and allow"
          + " for the rest of the agent's session) or s (skip); l lists session allows, r N revokes one.")
  static final class Watch implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--server", required = true, description = "Gateway base URL, e.g. http://127.0.0.1:8080")
    String server;

    @Option(names = "--key", required = true, description = "An approver's (or admin's) API key")
    String key;

    @Option(names = "--interval", defaultValue = "2", description = "Seconds between polls (default ${DEFAULT-VALUE})")
    int intervalSeconds;

    @Option(names = "--once", description = "Handle the requests pending now, then exit")
    boolean once;

    /** Where answers are read from; the terminal unless a test sets it. */
    BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    /** The session allows as last listed, numbered from 1 for {@code r N}. */
    private List<JsonNode> allows = List.of();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (intervalSeconds < 1 || intervalSeconds > 3600) {
        err.println("warden: --interval must be between 1 and 3600 seconds");
        return ExitCodes.USAGE;
      }
      String base = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
      if (!base.matches("https?://[^\\s/]+")) {
        err.println("warden: --server must be http(s)://host[:port]");
        return ExitCodes.USAGE;
      }
      Set<String> seen = new HashSet<>();
      out.println("Watching " + base + " for pending approvals (y approve, n deny, a approve and allow for the session,"
          + " s skip; l list session allows, r N revoke one; end of input stops).");
      out.flush();
      while (true) {
        HttpResponse<String> list = send(HttpRequest.newBuilder(URI.create(base + "/v1/approvals?status=pending")).GET());
        if (list.statusCode() != 200) {
          err.println("warden: listing approvals failed: HTTP " + list.statusCode() + " " + detail(list.body()));
          return list.statusCode() == 401 || list.statusCode() == 403 ? ExitCodes.REFUSED : ExitCodes.FAILURE;
        }
        for (JsonNode a : JSON.readTree(list.body()).path("data")) {
          String id = a.path("id").asText();
          if (!seen.add(id)) {
            continue;
          }
          show(out, a);
          String answer = ask(out, err, base);
          if (answer == null) {
            out.println("end of input; stopping");
            return ExitCodes.OK;
          }
          if (answer.equals("s")) {
            out.println("skipped " + id);
            continue;
          }
          decide(out, err, base, a, !answer.equals("n"), answer.equals("a"));
        }
        if (!refreshAllows(out, err, base, false)) {
          return ExitCodes.FAILURE;
        }
        while (input.ready()) {
          String line = input.readLine();
          if (line == null) {
            break;
          }
          command(out, err, base, line.trim());
        }
        if (once) {
          return ExitCodes.OK;
        }
        Thread.sleep(Duration.ofSeconds(intervalSeconds));
      }
    }

    private static void show(PrintWriter out, JsonNode a) {
      out.println();
      out.println("approval " + a.path("id").asText() + "  agent " + a.path("agent").asText("-") + "  action "
          + a.path("action").asText());
      out.println("  approvals " + a.path("approvals").asInt() + " of " + a.path("approvers_required").asInt()
          + ", expires " + a.path("expires_at").asText());
      out.println("  payload  " + a.path("payload_canonical").asText());
      out.println("  sha256   " + a.path("payload_sha256").asText());
      reason(a.path("reason")).ifPresent(r -> out.println("  reason   " + r));
    }

    /** Why the gateway opened the request: the agent's approval rule, or a trust score below the threshold. */
    static java.util.Optional<String> reason(JsonNode r) {
      return switch (r.path("kind").asText("")) {
        case "rule" -> java.util.Optional.of(r.path("description").asText("an approval rule"));
        case "low_trust" -> java.util.Optional.of("low trust: " + r.path("subject").path("kind").asText() + " "
            + r.path("subject").path("name").asText() + " scores " + r.path("score").asText() + ", below the tenant's threshold "
            + r.path("threshold").asText());
        case "trust_unknown" -> java.util.Optional.of("the trust score of " + r.path("subject").path("name").asText()
            + " could not be computed");
        default -> java.util.Optional.empty();
      };
    }

    private @Nullable String ask(PrintWriter out, PrintWriter err, String base) throws Exception {
      while (true) {
        out.print("approve? [y/n/a/s, l list allows, r N revoke] ");
        out.flush();
        String line = input.readLine();
        if (line == null) {
          return null;
        }
        String a = line.trim().toLowerCase(Locale.ROOT);
        if (a.equals("y") || a.equals("n") || a.equals("a") || a.equals("s")) {
          return a;
        }
        command(out, err, base, a);
      }
    }

    /** {@code l} lists the active session allows; {@code r N} (or {@code r <id>}) revokes one. */
    private void command(PrintWriter out, PrintWriter err, String base, String line) throws Exception {
      if (line.equals("l")) {
        refreshAllows(out, err, base, true);
      } else if (line.startsWith("r ")) {
        String which = line.substring(2).trim();
        String id = which;
        if (which.matches("[0-9]{1,4}")) {
          int n = Integer.parseInt(which);
          if (n < 1 || n > allows.size()) {
            err.println("warden: no session allow number " + n + " (l lists them)");
            err.flush();
            return;
          }
          id = allows.get(n - 1).path("id").asText();
        } else if (!which.matches("[0-9a-fA-F-]{36}")) {
          err.println("warden: r takes the number shown by l, or an allow id");
          err.flush();
          return;
        }
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/v1/session-allows/" + id)).DELETE());
        if (r.statusCode() == 200) {
          out.println("revoked session allow " + id);
        } else {
          err.println("warden: revoke refused: HTTP " + r.statusCode() + " " + detail(r.body()));
          err.flush();
        }
        refreshAllows(out, err, base, false);
      } else if (!line.isEmpty()) {
        err.println("warden: unknown command '" + line + "' (y, n, a, s at a request; l, r N at any time)");
        err.flush();
      }
      out.flush();
    }

    /** Reads the active session allows and prints them when they changed (or when asked). */
    private boolean refreshAllows(PrintWriter out, PrintWriter err, String base, boolean always) throws Exception {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/v1/session-allows?status=active")).GET());
      if (r.statusCode() != 200) {
        err.println("warden: listing session allows failed: HTTP " + r.statusCode() + " " + detail(r.body()));
        err.flush();
        return false;
      }
      List<JsonNode> now = new ArrayList<>();
      JSON.readTree(r.body()).path("data").forEach(now::add);
      boolean changed = !now.stream().map(a -> a.path("id").asText()).toList()
          .equals(allows.stream().map(a -> a.path("id").asText()).toList());
      allows = List.copyOf(now);
      if (changed || always) {
        out.println();
        out.println(allows.isEmpty() ? "no active session allows" : "active session allows (r N revokes):");
        for (int i = 0; i < allows.size(); i++) {
          JsonNode a = allows.get(i);
          out.println("  [" + (i + 1) + "] " + a.path("id").asText() + "  agent " + a.path("agent").asText() + "  tool "
              + a.path("tool").asText() + "  arguments_sha256 " + a.path("arguments_sha256").asText() + "  session "
              + a.path("session_sha256").asText().substring(0, 12) + "  since " + a.path("created_at").asText());
        }
        out.flush();
      }
      return true;
    }

    private void decide(PrintWriter out, PrintWriter err, String base, JsonNode a, boolean approve, boolean allowSession)
        throws Exception {
      ObjectNode body = JSON.createObjectNode().put("payload_sha256", a.path("payload_sha256").asText());
      if (allowSession) {
        body.put("allow_session", true);
      }
      String verb = approve ? "approve" : "deny";
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/v1/approvals/" + a.path("id").asText() + "/" + verb))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
      if (r.statusCode() == 200) {
        out.println((approve ? "approved " : "denied ") + a.path("id").asText() + " -> status "
            + JSON.readTree(r.body()).path("status").asText()
            + (allowSession ? "; allowed for the rest of the agent's session (listed below, r N revokes)" : ""));
      } else {
        err.println("warden: " + verb + " refused: HTTP " + r.statusCode() + " " + detail(r.body()));
      }
      out.flush();
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
      return http.send(b.header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String detail(String body) {
      try {
        JsonNode problem = JSON.readTree(body);
        return problem.path("code").asText("") + ": " + problem.path("detail").asText("");
      } catch (IOException e) {
        return "";
      }
    }
  }
}
