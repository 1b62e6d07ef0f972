package dev.agentwarden.cli;

import picocli.CommandLine.Command;

/** {@code warden policy}: check one action against a policy file, or evaluate the corpora. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Policy tools: check one action against a policy file, evaluate the labelled corpora.",
    subcommands = {PolicyCheckCommand.class, PolicyEvalCommand.class})
final class PolicyCommand {}
