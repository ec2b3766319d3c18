package dev.sandbox.cli;

import dev.sandbox.stack.Stack;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    description =
        "Re-apply the stack's manifests and reload its images into the running sandbox, without restarting"
            + " anything: the inner loop while editing YAML.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox apply",
      "  sandbox apply -f samples/orders-service/sandbox.yaml --force-conflicts"
    })
final class ApplyCommand extends SandboxSubcommand {

  @Option(names = "--force-conflicts", description = "Take over fields other field managers own.")
  boolean forceConflicts;

  @Option(
      names = "--all",
      description =
          "Also re-apply the platform steps (wiring, policies, monitoring) whose inputs did not"
              + " change since they last ran; they are skipped otherwise. Restores what was changed"
              + " in the cluster by hand.")
  boolean all;

  @Override
  public Integer call() {
    Environment env = environment();
    PrintWriter out = out();
    Stack stack = env.stack(global);
    try (Progress progress = new Progress(out, env.terminal(), global.quiet(), global.verbose())) {
      env.engine().apply(stack, forceConflicts, all, progress);
    }
    if (!global.quiet()) {
      out.println("Applied to sandbox '" + stack.name() + "'.");
    }
    return ExitCode.OK.code();
  }
}
