package dev.agentwarden.core.policy.files;

import dev.agentwarden.core.id.TenantId;
import dev.agentwarden.core.policy.Decision;
import dev.agentwarden.core.policy.PolicyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which workspace files an agent may read and write: read and write globs (plus deny globs that
 * win over both) over paths relative to the tenant's workspace root. Default deny.
 *
 * <p>This is the pure decision on a path string. Before matching, the path is normalised and
 * anything that could mean a different file to another layer is refused: absolute paths,
 * {@code ..} segments, backslashes, percent-encoded bytes, control characters, a leading
 * {@code ~}. The I/O side ({@code warden-sandbox}) then opens the normalised path under the real
 * root without following symlinks, so the file opened is the file decided on.
 *
 * <p>Immutable and thread-safe; {@link #check} never throws.
 */
public final class FilesystemPolicy {
  /** The placeholder in a workspace root template that is replaced by the tenant id. */
  public static final String TENANT_PLACEHOLDER = "{tenant}";

  /** The root template when a policy names none. */
  public static final String DEFAULT_ROOT = "/var/lib/agentwarden/workspaces/{tenant}";

  private static final int MAX_PATH = 4096;
  private static final Pattern PERCENT_ENCODED = Pattern.compile("%(?:[0-9A-Fa-f]{2}|[uU][0-9A-Fa-f]{4})");
  private static final FilesystemPolicy DENY_ALL = new FilesystemPolicy(new Builder());

  private final String rootTemplate;
  private final List<PathGlob> read;
  private final List<PathGlob> write;
  private final List<PathGlob> deny;

  private FilesystemPolicy(Builder b) {
    this.rootTemplate = b.rootTemplate;
    this.read = List.copyOf(b.read);
    this.write = List.copyOf(b.write);
    this.deny = List.copyOf(b.deny);
  }

  /** The default: no file may be read or written. */
  public static FilesystemPolicy denyAll() {
    return DENY_ALL;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The workspace root of {@code tenantId}: an absolute directory, the template filled in. */
  public String workspaceRoot(TenantId tenant) {
    return rootTemplate.replace(TENANT_PLACEHOLDER, tenant.toString());
  }

  /** Decides {@code access} to {@code path} (relative to the workspace root); never throws. */
  public Decision check(FileAccess access, String path) {
    try {
      Optional<Decision> refusal = refusal(path);
      if (refusal.isPresent()) {
        return refusal.get();
      }
      String normalised = normaliseUnchecked(path);
      for (int i = 0; i < deny.size(); i++) {
        if (deny.get(i).matches(normalised)) {
          return Decision.deny("filesystem.deny[" + i + "]", "'" + normalised + "' matches deny glob '" + deny.get(i).glob() + "'");
        }
      }
      List<PathGlob> globs = access == FileAccess.READ ? read : write;
      String section = access == FileAccess.READ ? "filesystem.read" : "filesystem.write";
      for (int i = 0; i < globs.size(); i++) {
        if (globs.get(i).matches(normalised)) {
          return Decision.allow(section + "[" + i + "]", "'" + normalised + "' matches " + section.substring(11) + " glob '" + globs.get(i).glob() + "'");
        }
      }
      return Decision.deny("filesystem.default_deny", "no " + section.substring(11) + " glob matches '" + normalised + "'");
    } catch (RuntimeException e) {
      return Decision.deny("filesystem.internal_error", "the filesystem policy could not decide, so it denies");
    }
  }

  /**
   * The normalised form of a workspace-relative path ({@code a//./b/} becomes {@code a/b}), or
   * empty when the path is refused whatever the globs say.
   */
  public static Optional<String> normalise(String path) {
    return refusal(path).isPresent() ? Optional.empty() : Optional.of(normaliseUnchecked(path));
  }

  private static Optional<Decision> refusal(String path) {
    if (path == null || path.isEmpty()) {
      return Optional.of(Decision.deny("filesystem.path.empty", "the path is empty"));
    }
    if (path.length() > MAX_PATH) {
      return Optional.of(Decision.deny("filesystem.path.too_long", "the path is longer than " + MAX_PATH + " characters"));
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return Optional.of(Decision.deny("filesystem.path.control", "the path contains a control character"));
      }
    }
    if (path.startsWith("/")) {
      return Optional.of(Decision.deny("filesystem.path.absolute", "the path must be relative to the workspace root"));
    }
    if (path.indexOf('\\') >= 0) {
      return Optional.of(Decision.deny("filesystem.path.backslash", "backslashes are refused: some layers read them as separators"));
    }
    if (path.startsWith("~")) {
      return Optional.of(Decision.deny("filesystem.path.home", "'~' paths are refused: some layers expand them to a home directory"));
    }
    if (PERCENT_ENCODED.matcher(path).find()) {
      return Optional.of(Decision.deny("filesystem.path.encoded", "percent-encoded bytes are refused: some layers decode them"));
    }
    for (String segment : path.split("/", -1)) {
      if (segment.equals("..")) {
        return Optional.of(Decision.deny("filesystem.path.traversal", "'..' segments are refused"));
      }
    }
    if (normaliseUnchecked(path).isEmpty()) {
      return Optional.of(Decision.deny("filesystem.path.root", "the path names the workspace root itself"));
    }
    return Optional.empty();
  }

  private static String normaliseUnchecked(String path) {
    List<String> segments = new ArrayList<>();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty() && !segment.equals(".")) {
        segments.add(segment);
      }
    }
    return String.join("/", segments);
  }

  /** Builds a {@link FilesystemPolicy}; the order of calls does not matter (deny globs win). */
  public static final class Builder {
    private String rootTemplate = DEFAULT_ROOT;
    private final List<PathGlob> read = new ArrayList<>();
    private final List<PathGlob> write = new ArrayList<>();
    private final List<PathGlob> deny = new ArrayList<>();

    private Builder() {}

    /** The workspace root: an absolute, normalised directory, usually containing {@code {tenant}}. */
    public Builder root(String template) {
      if (template == null || !template.startsWith("/") || template.contains("/../") || template.endsWith("/..")
          || template.contains("/./") || template.contains("//") || template.indexOf('\u0000') >= 0) {
        throw new PolicyException("filesystem.root '" + template + "' must be an absolute, normalised directory");
      }
      this.rootTemplate = template;
      return this;
    }

    public Builder allowRead(String glob) {
      read.add(PathGlob.compile(glob, "filesystem.read[" + read.size() + "]"));
      return this;
    }

    public Builder allowWrite(String glob) {
      write.add(PathGlob.compile(glob, "filesystem.write[" + write.size() + "]"));
      return this;
    }

    public Builder deny(String glob) {
      deny.add(PathGlob.compile(glob, "filesystem.deny[" + deny.size() + "]"));
      return this;
    }

    public FilesystemPolicy build() {
      return new FilesystemPolicy(this);
    }
  }
}
