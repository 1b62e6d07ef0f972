package dev.agentwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentwarden.core.CoreException;
import dev.agentwarden.core.audit.AuditKey;
import dev.agentwarden.core.audit.AuditKeyring;
import dev.agentwarden.core.audit.ExportVerifier;
import dev.agentwarden.core.audit.HashValue;
import dev.agentwarden.core.audit.MerkleTree;
import dev.agentwarden.core.audit.TreeHead;
import dev.agentwarden.core.audit.VerificationResult;
import dev.agentwarden.core.json.CanonicalJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code warden audit}: offline verification of audit exports and proofs. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    subcommands = {AuditCommand.Verify.class, AuditCommand.VerifyProof.class},
    description = "Verifies audit exports and Merkle proofs offline (see docs/audit-format.md).")
final class AuditCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  /** A file the user named could not be used; exit code 2. */
  static final class BadInput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInput(String message) {
      super(message);
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Verifies an audit export (JSONL from GET /v1/audit/export) with nothing but the file and the"
            + " gateway's public keys.",
        "Exit codes: 0 verified (prints the count and the signed head), 1 verification failed (prints the"
            + " first failing seq and the reason), 2 bad input."
      })
  static final class Verify implements Callable<Integer> {
    enum Signatures { all, sampled }

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "EXPORT", description = "The export file ('-' reads stdin).")
    String export;

    @Option(names = "--public-key", paramLabel = "FILE",
        description = "Trusted public keys: the JSON of GET /v1/identity, a key object, an array of them,"
            + " or key lines. Without it the export's own keys are used and the result is not anchored.")
    Optional<Path> publicKeys;

    @Option(names = "--checkpoint", paramLabel = "FILE",
        description = "A signed tree head kept earlier (GET /v1/audit/checkpoints/latest); the export must extend it.")
    Optional<Path> checkpoint;

    @Option(names = "--signatures", defaultValue = "all",
        description = "all (default): every event signature; sampled: every " + ExportVerifier.SAMPLE_STRIDE + "th, the last and the head's,"
            + " which still proves every event's content through the chain.")
    Signatures signatures;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Optional<AuditKeyring> trusted;
      Optional<TreeHead> cp;
      try {
        trusted = publicKeys.map(AuditCommand::readKeys);
        cp = checkpoint.map(AuditCommand::readTreeHead);
      } catch (BadInput e) {
        err.println("warden audit verify: " + e.getMessage());
        return ExitCodes.USAGE;
      }
      ExportVerifier verifier = ExportVerifier.create(trusted, cp,
          signatures == Signatures.all ? ExportVerifier.SignatureChecks.EVERY_EVENT : ExportVerifier.SignatureChecks.SAMPLED);
      int threads = Runtime.getRuntime().availableProcessors();
      try (LineBlocks in = new LineBlocks(export.equals("-") ? System.in : Files.newInputStream(Path.of(export)))) {
        // The verifier decodes each line itself, so a bad byte is blamed on its own line.
        while (in.next()) {
          if (!verifier.acceptAll(in.buffer(), in.starts(), in.lengths(), in.count(), threads)) {
            break;
          }
        }
      } catch (IOException e) {
        err.println("warden audit verify: cannot read " + export + ": " + e.getMessage());
        return ExitCodes.USAGE;
      }
      return switch (verifier.finish()) {
        case VerificationResult.Verified v -> {
          out.printf("OK: verified %d events (seq %d..%d) of tenant %s%n", v.count(), v.firstSeq(), v.lastSeq(), v.tenantId());
          TreeHead h = v.head();
          out.printf("head: tree_size=%d root_hash=%s chain_head=%s key_id=%s ts=%s%n",
              h.treeSize(), h.rootHash(), h.chainHead(), h.keyId(), h.toJson().get("ts").asText());
          if (!v.complete()) {
            out.println("partial export: the chain before seq " + v.firstSeq() + " and the Merkle root were not checked");
          }
          out.println(signatures == Signatures.all
              ? "signatures: every event and the head"
              : "signatures: sampled (every " + ExportVerifier.SAMPLE_STRIDE + "th event, the last and the head); every event's content is proven by the chain");
          out.println(trusted.isPresent()
              ? "trust: anchored on " + trusted.get().keys().size() + " trusted key(s)"
              : "trust: NOT anchored, the keys come from the export itself; pass --public-key to anchor");
          cp.ifPresent(c -> out.println("checkpoint: the export extends the checkpoint of tree_size " + c.treeSize()));
          yield ExitCodes.OK;
        }
        case VerificationResult.Failed f -> {
          out.printf("FAILED at seq %d: %s: %s%n", f.seq(), f.reason().code(), f.detail());
          yield ExitCodes.REFUSED;
        }
      };
    }
  }

  @Command(
      name = "verify-proof",
      mixinStandardHelpOptions = true,
      description = {
        "Verifies an inclusion or consistency proof (the JSON of GET /v1/audit/proofs/inclusion or"
            + " /consistency) and the signatures of its tree heads.",
        "Exit codes: 0 verified, 1 the proof or a signature does not verify, 2 bad input."
      })
  static final class VerifyProof implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "PROOF", description = "The proof file ('-' reads stdin).")
    String proof;

    @Option(names = "--public-key", paramLabel = "FILE", required = true,
        description = "Trusted public keys, as for 'audit verify'.")
    Path publicKeys;

    @Option(names = "--checkpoint", paramLabel = "FILE",
        description = "A tree head kept earlier: a consistency proof must start from it; an inclusion proof must be under it.")
    Optional<Path> checkpoint;

    @Option(names = "--event-hash", paramLabel = "HEX", description = "For an inclusion proof: the event hash you hold.")
    Optional<String> eventHash;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      AuditKeyring keys;
      Optional<TreeHead> cp;
      JsonNode p;
      try {
        keys = readKeys(publicKeys);
        cp = checkpoint.map(AuditCommand::readTreeHead);
        p = readJson(proof);
      } catch (BadInput e) {
        err.println("warden audit verify-proof: " + e.getMessage());
        return ExitCodes.USAGE;
      }
      try {
        String type = p.path("type").asText("");
        return switch (type) {
          case "inclusion" -> inclusion(p, keys, cp, out);
          case "consistency" -> consistency(p, keys, cp, out);
          default -> {
            err.println("warden audit verify-proof: not a proof: type must be inclusion or consistency");
            yield ExitCodes.USAGE;
          }
        };
      } catch (CoreException e) {
        err.println("warden audit verify-proof: malformed proof: " + e.getMessage());
        return ExitCodes.USAGE;
      }
    }

    private Integer inclusion(JsonNode p, AuditKeyring keys, Optional<TreeHead> cp, PrintWriter out) {
      long seq = p.path("seq").asLong(-1);
      TreeHead head = TreeHead.fromJson(p.get("tree_head"));
      HashValue event = HashValue.parse(p.path("event_hash").asText(""));
      if (eventHash.isPresent() && !HashValue.parse(eventHash.get()).equals(event)) {
        return refuse(out, "the proof is for another event hash");
      }
      Optional<String> bad = headProblem(head, keys);
      if (bad.isPresent()) {
        return refuse(out, bad.get());
      }
      if (cp.isPresent() && !(cp.get().treeSize() == head.treeSize() && cp.get().rootHash().equals(head.rootHash()))) {
        return refuse(out, "the proof's tree head is not the checkpoint");
      }
      if (!MerkleTree.verifyInclusion(seq - 1, head.treeSize(), MerkleTree.leafHash(event), hashes(p.path("path")), head.rootHash())) {
        return refuse(out, "the inclusion proof does not verify");
      }
      out.printf("OK: event %d (hash %s) is in the signed tree of %d events (root %s)%n", seq, event, head.treeSize(), head.rootHash());
      return ExitCodes.OK;
    }

    private Integer consistency(JsonNode p, AuditKeyring keys, Optional<TreeHead> cp, PrintWriter out) {
      TreeHead from = TreeHead.fromJson(p.get("from_head"));
      TreeHead to = TreeHead.fromJson(p.get("to_head"));
      for (TreeHead h : List.of(from, to)) {
        Optional<String> bad = headProblem(h, keys);
        if (bad.isPresent()) {
          return refuse(out, bad.get());
        }
      }
      if (!from.tenantId().equals(to.tenantId())) {
        return refuse(out, "the two tree heads belong to different tenants");
      }
      if (cp.isPresent() && !(cp.get().treeSize() == from.treeSize() && cp.get().rootHash().equals(from.rootHash())
          && cp.get().tenantId().equals(from.tenantId()))) {
        return refuse(out, "the proof does not start from the checkpoint");
      }
      if (!MerkleTree.verifyConsistency(from.treeSize(), to.treeSize(), from.rootHash(), to.rootHash(), hashes(p.path("path")))) {
        return refuse(out, "the consistency proof does not verify: the log was not only appended to");
      }
      out.printf("OK: the log of %d events extends the log of %d events (append-only)%n", to.treeSize(), from.treeSize());
      return ExitCodes.OK;
    }

    private static Integer refuse(PrintWriter out, String why) {
      out.println("FAILED: " + why);
      return ExitCodes.REFUSED;
    }

    private static Optional<String> headProblem(TreeHead h, AuditKeyring keys) {
      Optional<AuditKey> key = keys.find(h.keyId());
      if (key.isEmpty()) {
        return Optional.of("tree head of size " + h.treeSize() + " is signed by untrusted key " + h.keyId());
      }
      return h.verify(key.get()) ? Optional.empty() : Optional.of("the signature of the tree head of size " + h.treeSize() + " does not verify");
    }

    private static List<HashValue> hashes(JsonNode array) {
      if (!array.isArray()) {
        throw new BadInput("path must be an array of hashes");
      }
      List<HashValue> out = new ArrayList<>();
      array.forEach(n -> out.add(HashValue.parse(n.asText(""))));
      return out;
    }
  }

  /**
   * The lines of a stream, a block at a time, as byte ranges of one reused buffer (no decoding,
   * no copy per line), so the verifier can take many lines at once. A line ends at '\n' (a
   * preceding '\r' is dropped); a final line without one still counts.
   */
  static final class LineBlocks implements AutoCloseable {
    private static final int BLOCK = 4 << 20;
    private final java.io.InputStream in;
    private byte[] buf = new byte[BLOCK];
    private int filled;
    private int consumed;
    private boolean eof;
    private int[] starts = new int[4096];
    private int[] lengths = new int[4096];
    private int count;

    LineBlocks(java.io.InputStream in) {
      this.in = in;
    }

    /** Reads the next block of whole lines; false at the end of the input. */
    boolean next() throws IOException {
      System.arraycopy(buf, consumed, buf, 0, filled - consumed);
      filled -= consumed;
      consumed = 0;
      count = 0;
      while (true) {
        while (!eof && filled < buf.length) {
          int n = in.read(buf, filled, buf.length - filled);
          if (n < 0) {
            eof = true;
          } else {
            filled += n;
          }
        }
        int start = 0;
        for (int i = 0; i < filled; i++) {
          if (buf[i] == '\n') {
            add(start, i);
            start = i + 1;
          }
        }
        if (eof && start < filled) {
          add(start, filled);
          start = filled;
        }
        consumed = start;
        if (count > 0 || eof) {
          return count > 0;
        }
        buf = java.util.Arrays.copyOf(buf, buf.length * 2); // one line longer than the buffer
      }
    }

    private void add(int start, int end) {
      if (count == starts.length) {
        starts = java.util.Arrays.copyOf(starts, count * 2);
        lengths = java.util.Arrays.copyOf(lengths, count * 2);
      }
      starts[count] = start;
      lengths[count++] = end > start && buf[end - 1] == '\r' ? end - 1 - start : end - start;
    }

    byte[] buffer() {
      return buf;
    }

    int[] starts() {
      return starts;
    }

    int[] lengths() {
      return lengths;
    }

    int count() {
      return count;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  static BufferedReader open(String name) throws IOException {
    var decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    if (name.equals("-")) {
      return new BufferedReader(new InputStreamReader(System.in, decoder));
    }
    return new BufferedReader(new InputStreamReader(Files.newInputStream(Path.of(name)), decoder));
  }

  static JsonNode readJson(String name) {
    try (BufferedReader in = open(name)) {
      StringBuilder sb = new StringBuilder();
      char[] buf = new char[8192];
      for (int n; (n = in.read(buf)) > 0; ) {
        sb.append(buf, 0, n);
        if (sb.length() > 16 * 1024 * 1024) {
          throw new BadInput(name + " is larger than 16 MiB");
        }
      }
      return CanonicalJson.parse(sb.toString());
    } catch (IOException e) {
      throw new BadInput("cannot read " + name + ": " + e.getMessage());
    } catch (CoreException e) {
      throw new BadInput(name + " is not valid JSON");
    }
  }

  /** Keys from the JSON of GET /v1/identity, one key object, an array of them, or JSON lines. */
  static AuditKeyring readKeys(Path file) {
    List<AuditKey> keys = new ArrayList<>();
    try {
      JsonNode root;
      try {
        root = readJson(file.toString());
      } catch (BadInput e) {
        root = null;
      }
      if (root == null) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            keys.add(key(CanonicalJson.parse(line)));
          }
        }
      } else if (root.isArray()) {
        root.forEach(k -> keys.add(key(k)));
      } else if (root.has("keys")) {
        root.get("keys").forEach(k -> keys.add(key(k)));
      } else {
        keys.add(key(root));
      }
      if (keys.isEmpty()) {
        throw new BadInput(file + " holds no public key");
      }
      return AuditKeyring.of(keys);
    } catch (IOException e) {
      throw new BadInput("cannot read " + file + ": " + e.getMessage());
    } catch (CoreException e) {
      throw new BadInput(file + " is not a public key file: " + e.getMessage());
    }
  }

  private static AuditKey key(JsonNode n) {
    if (!n.isObject()) {
      throw new BadInput("a public key is a JSON object");
    }
    com.fasterxml.jackson.databind.node.ObjectNode copy = n.deepCopy();
    copy.remove("kind");
    return AuditKey.fromJson(copy);
  }

  static TreeHead readTreeHead(Path file) {
    try {
      return TreeHead.fromJson(readJson(file.toString()));
    } catch (CoreException e) {
      throw new BadInput(file + " is not a signed tree head: " + e.getMessage());
    }
  }
}
