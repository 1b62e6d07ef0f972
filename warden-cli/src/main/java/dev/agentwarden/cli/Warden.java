package dev.agentwarden.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code warden} command. */
@Command(
    name = "warden",
    mixinStandardHelpOptions = true,
    versionProvider = Warden.Version.class,
    description = "AgentWarden: a security and governance gateway for AI agents.",
    subcommands = {CommandLine.HelpCommand.class, ServeCommand.class, ScanCommand.class, PolicyCommand.class, KeysCommand.class,
      AuditCommand.class, ApprovalsCommand.class})
public final class Warden {

  public static void main(String[] args) {
    quietLibraryLogs();
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs one command line with the given output streams; returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = commandLine(out, err);
    return cli.execute(args);
  }

  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Warden());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExitCodeExceptionMapper(Warden::exitCodeFor);
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          ex.getCommandLine().getErr().println("warden: " + ex.getMessage());
          ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          return ExitCodes.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          c.getErr().println("warden: " + ex.getMessage());
          return exitCodeFor(ex);
        });
    return cli;
  }

  private static int exitCodeFor(Throwable ex) {
    if (ex instanceof CommandLine.ParameterException || ex instanceof IllegalArgumentException) {
      return ExitCodes.USAGE;
    }
    return ExitCodes.FAILURE;
  }

  // Libraries log through java.util.logging; the gateway writes its own structured lines, so
  // only their warnings are worth a terminal line. Held in a field: JUL keeps loggers weakly.
  private static final java.util.List<java.util.logging.Logger> QUIETED = new java.util.ArrayList<>();

  private static void quietLibraryLogs() {
    for (String name : new String[] {"org.flywaydb", "io.zonky", "io.helidon", "com.zaxxer"}) {
      java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
      logger.setLevel(java.util.logging.Level.WARNING);
      QUIETED.add(logger);
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Warden.class.getPackage().getImplementationVersion();
      return new String[] {"warden " + (v == null ? "development build" : v)};
    }
  }
}
