package dev.agentwarden.cli;

/** The exit codes of every {@code warden} command, so scripts can rely on them. */
public final class ExitCodes {
  /** The command did what was asked; for checks: allowed, clean, verified. */
  public static final int OK = 0;
  /** A check said no: denied, findings present, verification failed. */
  public static final int REFUSED = 1;
  /** Bad input: unknown option, invalid configuration, unreadable file. */
  public static final int USAGE = 2;
  /** The command could not run: a dependency such as the database failed. */
  public static final int FAILURE = 3;

  private ExitCodes() {}
}
