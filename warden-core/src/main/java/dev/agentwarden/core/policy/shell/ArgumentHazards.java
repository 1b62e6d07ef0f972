package dev.agentwarden.core.policy.shell;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What we know about programs that run other programs (launchers) and about arguments that turn
 * an ordinary program into a launcher, a writer of arbitrary files, or a reader of files outside
 * the workspace. A policy that allows a program still gets these denied unless it names the
 * hazard explicitly ({@code allow: [-delete]}, or {@code launcher} for a whole-program launcher).
 *
 * <p>Matching errs on the side of denial: long options match by any prefix, because GNU
 * getopt_long and git accept unambiguous abbreviations ({@code --to-com} is {@code --to-command});
 * short options match anywhere in a cluster ({@code -so} contains {@code -o}).
 */
final class ArgumentHazards {
  private ArgumentHazards() {}

  enum Kind {
    LAUNCHER("runs another program"),
    WRITER("writes files"),
    READER("reads files or configuration from outside the command line");

    final String effect;

    Kind(String effect) {
      this.effect = effect;
    }

    String ruleSuffix() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One hazardous argument of one program; {@code spelling} is how a policy names it in {@code allow}. */
  record Hazard(String spelling, Kind kind, Matcher matcher) {}

  /** Where a hazard was found. */
  record Finding(Hazard hazard, String argument) {}

  @FunctionalInterface
  interface Matcher {
    boolean matches(List<String> args, int index, String subcommand);
  }

  /** The spelling a policy uses to allow a whole-program launcher. */
  static final String LAUNCHER = "launcher";

  private static final Set<String> LAUNCHERS =
      Set.of(
          "env", "xargs", "exec", "eval", "command", "builtin", "source", ".", "trap", "enable", "hash",
          "sh", "bash", "dash", "zsh", "ksh", "mksh", "pdksh", "yash", "fish", "csh", "tcsh", "ash",
          "rbash", "busybox", "toybox", "nice", "nohup", "timeout", "sudo", "doas", "su", "runuser",
          "pkexec", "chroot", "setsid", "stdbuf", "strace", "ltrace", "gdb", "lldb", "valgrind", "time",
          "watch", "flock", "unshare", "nsenter", "taskset", "ionice", "chrt", "cgexec", "firejail",
          "bwrap", "fakeroot", "proot", "script", "expect", "parallel", "ssh", "awk", "gawk", "mawk",
          "nawk", "sed", "vi", "vim", "nvim", "view", "ex", "ed", "emacs", "less", "more", "most", "man",
          "at", "batch", "crontab", "systemd-run", "xdg-open", "start-stop-daemon", "docker",
          "podman", "kubectl", "make", "m4", "dc", "sqlite3", "psql", "mysql", "socat", "nc", "ncat",
          "netcat", "npx", "pwsh", "powershell", "osascript", "rlwrap", "tmux", "screen", "scl",
          "ssh-agent", "dbus-launch", "run-parts", "install-info", "tclsh", "wish");

  private static final Pattern VERSIONED =
      Pattern.compile("(python|pypy|perl|ruby|php|lua|node|tclsh|wish)[0-9.]*");

  private static final Pattern ENCODED_CONTROL =
      Pattern.compile("%(?:0[0-9a-fA-F]|1[0-9a-fA-F]|7[fF])|%[uU]00(?:0[0-9a-fA-F]|1[0-9a-fA-F])");

  private static final Map<String, List<Hazard>> HAZARDS =
      Map.ofEntries(
          Map.entry("find", List.of(
              word("-exec", Kind.LAUNCHER), word("-execdir", Kind.LAUNCHER), word("-ok", Kind.LAUNCHER),
              word("-okdir", Kind.LAUNCHER), word("-delete", Kind.WRITER), word("-fprint", Kind.WRITER),
              word("-fls", Kind.WRITER))),
          Map.entry("git", List.of(
              gitGlobal("-c", Kind.LAUNCHER, shortOption('c')),
              gitGlobal("--config-env", Kind.LAUNCHER, longOption("config-env")),
              gitGlobal("--exec-path", Kind.LAUNCHER, longOption("exec-path")),
              longHazard("--upload-pack", Kind.LAUNCHER), longHazard("--receive-pack", Kind.LAUNCHER),
              longHazard("--exec", Kind.LAUNCHER), longHazard("--extcmd", Kind.LAUNCHER),
              longHazard("--template", Kind.READER), longHazard("--config", Kind.LAUNCHER),
              longHazard("--output", Kind.WRITER), longHazard("--output-directory", Kind.WRITER),
              longHazard("--open-files-in-pager", Kind.LAUNCHER),
              new Hazard("-u", Kind.LAUNCHER, inSubcommands(shortOption('u'), "clone", "fetch", "pull", "ls-remote", "archive")),
              new Hazard("-c", Kind.LAUNCHER, inSubcommands(shortOption('c'), "clone", "submodule")),
              new Hazard("-o", Kind.WRITER, inSubcommands(shortOption('o'), "format-patch")),
              new Hazard("-O", Kind.LAUNCHER, inSubcommands(shortOption('O'), "grep")),
              new Hazard("-x", Kind.LAUNCHER, inSubcommands(shortOption('x'), "rebase")),
              new Hazard("ext::", Kind.LAUNCHER, valuePrefix("ext::")),
              new Hazard("fd::", Kind.LAUNCHER, valuePrefix("fd::")),
              new Hazard("foreach", Kind.LAUNCHER, inSubcommands(exact("foreach"), "submodule")),
              new Hazard("run", Kind.LAUNCHER, inSubcommands(exact("run"), "bisect")),
              new Hazard("--web", Kind.LAUNCHER, inSubcommands(longOrShort("web", 'w'), "help")),
              subcommandHazard("filter-branch"), subcommandHazard("difftool"),
              subcommandHazard("mergetool"), subcommandHazard("instaweb"), subcommandHazard("web--browse"),
              subcommandHazard("daemon"), subcommandHazard("shell"), subcommandHazard("upload-pack"),
              subcommandHazard("receive-pack"), subcommandHazard("upload-archive"),
              subcommandHazard("credential"), subcommandHazard("svn"), subcommandHazard("p4"))),
          Map.entry("tar", List.of(
              longHazard("--checkpoint-action", Kind.LAUNCHER), longHazard("--to-command", Kind.LAUNCHER),
              longHazard("--use-compress-program", Kind.LAUNCHER), longHazard("--info-script", Kind.LAUNCHER),
              longHazard("--new-volume-script", Kind.LAUNCHER), longHazard("--rsh-command", Kind.LAUNCHER),
              longHazard("--rmt-command", Kind.LAUNCHER), longHazard("--index-file", Kind.WRITER),
              new Hazard("-I", Kind.LAUNCHER, either(shortOption('I'), tarOldStyle('I'))),
              new Hazard("-F", Kind.LAUNCHER, either(shortOption('F'), tarOldStyle('F'))),
              new Hazard("host:file", Kind.LAUNCHER, (args, i, sub) -> args.get(i).contains(":")))),
          Map.entry("curl", List.of(
              shortAndLong('o', "output", Kind.WRITER), shortAndLong('O', "remote-name", Kind.WRITER),
              longHazard("--output-dir", Kind.WRITER), shortAndLong('D', "dump-header", Kind.WRITER),
              shortAndLong('c', "cookie-jar", Kind.WRITER), longHazard("--trace", Kind.WRITER),
              longHazard("--libcurl", Kind.WRITER), longHazard("--etag-save", Kind.WRITER),
              longHazard("--stderr", Kind.WRITER), longHazard("--hsts", Kind.WRITER), longHazard("--alt-svc", Kind.WRITER),
              shortAndLong('K', "config", Kind.READER), shortAndLong('T', "upload-file", Kind.READER),
              new Hazard("@file", Kind.READER, (args, i, sub) -> args.get(i).startsWith("@") || args.get(i).contains("=@") || args.get(i).contains("=<")),
              new Hazard("file:", Kind.READER, valuePrefix("file:")))),
          Map.entry("wget", List.of(
              shortAndLong('O', "output-document", Kind.WRITER), shortAndLong('o', "output-file", Kind.WRITER),
              shortAndLong('a', "append-output", Kind.WRITER), shortAndLong('e', "execute", Kind.LAUNCHER),
              longHazard("--use-askpass", Kind.LAUNCHER), longHazard("--post-file", Kind.READER),
              longHazard("--body-file", Kind.READER), shortAndLong('i', "input-file", Kind.READER),
              new Hazard("file:", Kind.READER, valuePrefix("file:")))),
          Map.entry("rsync", List.of(shortAndLong('e', "rsh", Kind.LAUNCHER), longHazard("--rsync-path", Kind.LAUNCHER))),
          Map.entry("scp", List.of(new Hazard("-S", Kind.LAUNCHER, shortOption('S')), new Hazard("-o", Kind.LAUNCHER, shortOption('o')), new Hazard("-F", Kind.READER, shortOption('F')))),
          Map.entry("sftp", List.of(new Hazard("-S", Kind.LAUNCHER, shortOption('S')), new Hazard("-o", Kind.LAUNCHER, shortOption('o')), new Hazard("-F", Kind.READER, shortOption('F')))),
          Map.entry("zip", List.of(shortAndLong('T', "test", Kind.LAUNCHER), longHazard("--unzip-command", Kind.LAUNCHER))),
          Map.entry("rg", List.of(longHazard("--pre", Kind.LAUNCHER))),
          Map.entry("mvn", List.of(
              new Hazard("plugin:goal", Kind.LAUNCHER, (args, i, sub) -> !args.get(i).startsWith("-") && args.get(i).contains(":")))),
          Map.entry("npm", List.of(
              new Hazard("exec", Kind.LAUNCHER, firstPositional("exec", "x", "explore", "create", "init", "dlx")),
              longHazard("--script-shell", Kind.LAUNCHER), longHazard("--node-options", Kind.LAUNCHER),
              longHazard("--call", Kind.LAUNCHER))),
          Map.entry("python", interpreter('c')),
          Map.entry("pypy", interpreter('c')),
          Map.entry("perl", interpreter('e', 'E', 'M', 'm')),
          Map.entry("ruby", interpreter('e')),
          Map.entry("php", interpreter('r', 'B', 'R', 'E', 'F')),
          Map.entry("lua", interpreter('e')),
          Map.entry("luajit", interpreter('e')),
          Map.entry("julia", interpreter('e', 'E')),
          Map.entry("Rscript", interpreter('e')),
          Map.entry("R", interpreter('e')),
          Map.entry("groovy", interpreter('e')),
          Map.entry("node", nodeLike()),
          Map.entry("nodejs", nodeLike()),
          Map.entry("bun", nodeLike()),
          Map.entry("deno", nodeLike()));

  /** The catalogue name of a program: the basename, with a version suffix stripped. */
  static String family(String program) {
    String base = program.substring(program.lastIndexOf('/') + 1);
    var m = VERSIONED.matcher(base);
    return m.matches() ? m.group(1) : base;
  }

  static boolean isLauncher(String program) {
    return LAUNCHERS.contains(family(program));
  }

  /** Arguments carrying a percent-encoded control character, which another layer may decode. */
  static boolean hasEncodedControl(String argument) {
    return ENCODED_CONTROL.matcher(argument).find();
  }

  /** The first hazard among {@code args} that the policy did not allow. */
  static Optional<Finding> firstHazard(String program, List<String> args, Set<String> allowed) {
    List<Hazard> hazards = HAZARDS.getOrDefault(family(program), List.of());
    if (hazards.isEmpty()) {
      return Optional.empty();
    }
    String subcommand = family(program).equals("git") ? gitSubcommand(args) : "";
    for (int i = 0; i < args.size(); i++) {
      for (Hazard hazard : hazards) {
        if (!allowed.contains(hazard.spelling()) && hazard.matcher().matches(args, i, subcommand)) {
          return Optional.of(new Finding(hazard, args.get(i)));
        }
      }
    }
    return Optional.empty();
  }

  private static final Set<String> GIT_GLOBAL_WITH_VALUE =
      Set.of("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix", "--attr-source", "--list-cmds");

  /** Index of git's subcommand, or {@code args.size()} when there is none. */
  static int gitSubcommandIndex(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("-")) {
        return i;
      }
      if (GIT_GLOBAL_WITH_VALUE.contains(a)) {
        i++;
      }
    }
    return args.size();
  }

  private static String gitSubcommand(List<String> args) {
    int i = gitSubcommandIndex(args);
    return i < args.size() ? args.get(i) : "";
  }

  // ---- matchers

  private static Hazard word(String prefix, Kind kind) {
    return new Hazard(prefix, kind, (args, i, sub) -> args.get(i).startsWith(prefix));
  }

  private static Hazard longHazard(String spelling, Kind kind) {
    return new Hazard(spelling, kind, longOption(spelling.substring(2)));
  }

  private static Hazard shortAndLong(char letter, String name, Kind kind) {
    return new Hazard("--" + name, kind, longOrShort(name, letter));
  }

  private static Hazard subcommandHazard(String subcommand) {
    return new Hazard(subcommand, Kind.LAUNCHER, (args, i, sub) -> sub.equals(subcommand) && args.get(i).equals(subcommand));
  }

  private static Hazard gitGlobal(String spelling, Kind kind, Matcher matcher) {
    return new Hazard(spelling, kind, (args, i, sub) -> i < gitSubcommandIndex(args) && matcher.matches(args, i, sub));
  }

  private static List<Hazard> interpreter(char... letters) {
    Hazard[] out = new Hazard[letters.length];
    for (int n = 0; n < letters.length; n++) {
      out[n] = new Hazard("-" + letters[n], Kind.LAUNCHER, shortOption(letters[n]));
    }
    return List.of(out);
  }

  private static List<Hazard> nodeLike() {
    return List.of(
        shortAndLong('e', "eval", Kind.LAUNCHER), shortAndLong('p', "print", Kind.LAUNCHER),
        shortAndLong('r', "require", Kind.LAUNCHER), longHazard("--import", Kind.LAUNCHER),
        longHazard("--loader", Kind.LAUNCHER), longHazard("--experimental-loader", Kind.LAUNCHER),
        new Hazard("eval", Kind.LAUNCHER, firstPositional("eval", "x")));
  }

  /** {@code --name}, {@code --name=value}, or any abbreviation of it. */
  static Matcher longOption(String name) {
    return (args, i, sub) -> {
      String a = args.get(i);
      if (!a.startsWith("--") || a.length() < 3) {
        return false;
      }
      int eq = a.indexOf('=');
      String given = eq < 0 ? a.substring(2) : a.substring(2, eq);
      return !given.isEmpty() && name.startsWith(given);
    };
  }

  /** {@code -x}, or a cluster of single-letter options containing {@code x}. */
  static Matcher shortOption(char letter) {
    return (args, i, sub) -> {
      String a = args.get(i);
      if (a.length() < 2 || a.charAt(0) != '-' || a.charAt(1) == '-') {
        return false;
      }
      for (int j = 1; j < a.length(); j++) {
        char c = a.charAt(j);
        if (c == letter) {
          return true;
        }
        if (!Character.isLetterOrDigit(c)) {
          return false;
        }
      }
      return false;
    };
  }

  private static Matcher longOrShort(String name, char letter) {
    return either(longOption(name), shortOption(letter));
  }

  private static Matcher either(Matcher a, Matcher b) {
    return (args, i, sub) -> a.matches(args, i, sub) || b.matches(args, i, sub);
  }

  private static Matcher exact(String value) {
    return (args, i, sub) -> args.get(i).equals(value);
  }

  private static Matcher inSubcommands(Matcher matcher, String... subcommands) {
    Set<String> set = Set.of(subcommands);
    return (args, i, sub) -> set.contains(sub) && matcher.matches(args, i, sub);
  }

  /** A value (the whole argument, or what follows {@code =}) starting with {@code prefix}, any case. */
  private static Matcher valuePrefix(String prefix) {
    return (args, i, sub) -> {
      String a = args.get(i).toLowerCase(Locale.ROOT);
      int eq = a.indexOf('=');
      return a.startsWith(prefix) || (eq >= 0 && a.startsWith(prefix, eq + 1));
    };
  }

  /** GNU tar's old-style first argument: a cluster of option letters without a dash. */
  private static Matcher tarOldStyle(char letter) {
    return (args, i, sub) -> i == 0 && !args.get(i).startsWith("-") && args.get(i).indexOf(letter) >= 0;
  }

  private static Matcher firstPositional(String... values) {
    Set<String> set = Set.of(values);
    return (args, i, sub) -> {
      for (int j = 0; j < i; j++) {
        if (!args.get(j).startsWith("-")) {
          return false;
        }
      }
      return set.contains(args.get(i));
    };
  }
}
