package dev.agentwarden.core.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Applies output guards to an answer, whole or as a stream of text deltas. For a stream it keeps
 * a sliding window: each {@link #push} returns only text that no guard can still need to change
 * (the longest window of the guards is held back, and never the middle of a match), so a secret
 * split across chunks is redacted before any of it is sent. Not thread-safe: one per answer.
 */
public final class GuardedOutput {
  /** Chars of already-sent text kept as context for rules that look behind a value. */
  static final int LOOKBEHIND = 64;

  private final List<OutputGuard> guards;
  private final int window;
  private final StringBuilder pending = new StringBuilder();
  private String sentTail = "";
  private final List<String> rulesHit = new ArrayList<>();
  private Optional<OutputGuard.Outcome.Block> blocked = Optional.empty();

  private GuardedOutput(List<OutputGuard> guards) {
    this.guards = List.copyOf(guards);
    this.window = guards.stream().filter(g -> g.streamHandling() == StreamHandling.SLIDING_WINDOW)
        .mapToInt(OutputGuard::window).max().orElse(0);
  }

  public static GuardedOutput of(List<OutputGuard> guards) {
    return new GuardedOutput(guards);
  }

  /** The chars held back while streaming. */
  public int window() {
    return window;
  }

  /** Guards a complete answer: the text to deliver, or a block. */
  public Result whole(String text) {
    pending.append(text);
    return finish();
  }

  /** The text of one step: what may be delivered now, or a block that ends the stream. */
  public sealed interface Result {
    record Deliver(String text) implements Result {}

    record Blocked(String code, String reason) implements Result {}
  }

  /** Adds a delta; returns the text that is now safe to deliver (possibly empty). */
  public Result push(String delta) {
    if (blocked.isPresent()) {
      return new Result.Blocked(blocked.get().code(), blocked.get().reason());
    }
    pending.append(delta);
    if (pending.length() <= window) {
      return new Result.Deliver("");
    }
    return release(false);
  }

  /** The end of the answer: guards every remaining char, including AT_END guards over the whole. */
  public Result finish() {
    if (blocked.isPresent()) {
      return new Result.Blocked(blocked.get().code(), blocked.get().reason());
    }
    return release(true);
  }

  /** Rule ids of every rewrite so far (for the audit record; never the matched text). */
  public List<String> rulesHit() {
    return List.copyOf(rulesHit);
  }

  private final StringBuilder whole = new StringBuilder();

  private Result release(boolean end) {
    String context = sentTail + pending;
    int from = sentTail.length();
    List<OutputGuard.Rewrite> rewrites = new ArrayList<>();
    for (OutputGuard g : guards) {
      if (g.streamHandling() == StreamHandling.AT_END && !end) {
        continue;
      }
      OutputGuard.Outcome o = g.streamHandling() == StreamHandling.AT_END
          ? g.examine(whole + pending.toString(), whole.length())
          : g.examine(context, 0);
      switch (o) {
        case OutputGuard.Outcome.Block b -> {
          blocked = Optional.of(b);
          return new Result.Blocked(b.code(), b.reason());
        }
        case OutputGuard.Outcome.Pass p -> {
          int shift = g.streamHandling() == StreamHandling.AT_END ? whole.length() - from : 0;
          for (OutputGuard.Rewrite r : p.rewrites()) {
            rewrites.add(new OutputGuard.Rewrite(r.start() - shift, r.end() - shift, r.replacement(), r.ruleId()));
          }
        }
      }
    }
    rewrites.sort(Comparator.comparingInt(OutputGuard.Rewrite::start));
    for (OutputGuard.Rewrite r : rewrites) {
      if (r.start() < from && r.end() > from) {
        // Part of this match was sent already: more cannot be undone, so the stream stops here.
        OutputGuard.Outcome.Block b = new OutputGuard.Outcome.Block("output_blocked",
            "the answer contained a " + r.ruleId() + " match longer than the stream window; the rest was withheld");
        blocked = Optional.of(b);
        return new Result.Blocked(b.code(), b.reason());
      }
    }
    int cut = end ? context.length() : context.length() - window;
    for (OutputGuard.Rewrite r : rewrites) {
      if (r.start() >= from && r.start() < cut && r.end() > cut) {
        cut = r.start();
      }
    }
    if (cut <= from) {
      return new Result.Deliver("");
    }
    StringBuilder out = new StringBuilder(cut - from);
    int at = from;
    for (OutputGuard.Rewrite r : rewrites) {
      if (r.start() < at || r.start() >= cut) {
        continue;
      }
      out.append(context, at, r.start()).append(r.replacement());
      rulesHit.add(r.ruleId());
      at = Math.min(r.end(), cut);
    }
    out.append(context, at, cut);
    String released = context.substring(from, cut);
    whole.append(released);
    pending.delete(0, cut - from);
    String sent = context.substring(0, cut);
    sentTail = sent.substring(Math.max(0, sent.length() - LOOKBEHIND));
    return new Result.Deliver(out.toString());
  }
}
