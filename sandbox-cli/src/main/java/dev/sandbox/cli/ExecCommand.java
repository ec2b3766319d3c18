package dev.sandbox.cli;

import dev.sandbox.ProgressListener;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxEngine;
import dev.sandbox.stack.Stack;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "exec",
    mixinStandardHelpOptions = true,
    description = {
      "Run a command against a throwaway sandbox, for CI: start it, run CMD with the `sandbox env`",
      "variables set, collect diagnostics if CMD fails, remove everything whatever happens (Ctrl-C too; if the JVM",
      "is killed, Testcontainers' resource reaper removes the containers), and exit with CMD's exit code."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox exec -- ./mvnw -pl samples verify",
      "  sandbox exec -f ci/sandbox.yaml --reports build/sandbox -- ./run-e2e.sh"
    })
final class ExecCommand extends SandboxSubcommand {

  private static final SecureRandom RANDOM = new SecureRandom();

  @Option(
      names = "--reports",
      paramLabel = "DIR",
      defaultValue = "sandbox-reports",
      description = "Where diagnostics go when CMD fails (default: ${DEFAULT-VALUE}).")
  Path reports;

  @Parameters(
      arity = "1..*",
      paramLabel = "CMD",
      description = "The command and its arguments, after --.")
  List<String> command;

  @Override
  public Integer call() throws Exception {
    Environment env = environment();
    PrintWriter out = out();
    PrintWriter err = spec.commandLine().getErr();
    Stack stack = env.stack(global);
    if (global.name == null && env.env().get("SANDBOX_NAME") == null) {
      // a throwaway name, so CI jobs on one machine and a developer's own sandbox never collide
      stack =
          stack.withName(
              stack.name() + "-exec-" + Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36));
    }
    SandboxEngine engine = env.engine();
    String name = stack.name();
    Thread cleanup =
        new Thread(() -> engine.down(name, false, ProgressListener.NONE), "sandbox-exec-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      Sandbox sandbox;
      try (Progress progress =
          new Progress(err, env.terminal(), global.quiet(), global.verbose())) {
        sandbox = engine.upEphemeral(stack, progress);
      }
      try (sandbox) {
        ProcessBuilder process =
            new ProcessBuilder(command).inheritIO().directory(env.workingDirectory().toFile());
        process.environment().putAll(EnvCommand.variables(sandbox));
        int code = process.start().waitFor();
        if (code != 0) {
          Path folder = env.workingDirectory().resolve(reports).toAbsolutePath();
          try {
            sandbox.writeDiagnostics(folder, Optional.empty());
            err.println(
                "sandbox: `"
                    + String.join(" ", command)
                    + "` exited with "
                    + code
                    + "; diagnostics in "
                    + folder);
          } catch (RuntimeException e) {
            err.println(
                "sandbox: `"
                    + String.join(" ", command)
                    + "` exited with "
                    + code
                    + "; diagnostics failed: "
                    + e.getMessage());
          }
        }
        out.flush();
        return code;
      }
    } finally {
      engine.down(name, false, ProgressListener.NONE);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook is already running
      }
    }
  }
}
