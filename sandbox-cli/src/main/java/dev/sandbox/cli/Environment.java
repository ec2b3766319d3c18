package dev.sandbox.cli;

import dev.sandbox.HostEnvironment;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import dev.sandbox.SandboxName;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything the CLI reads from the outside world, resolved once at the edge: environment
 * variables, home and working directory, whether output is a terminal. Tests build their own.
 */
record Environment(Map<String, String> env, Path home, Path workingDirectory, boolean terminal) {

  static Environment system() {
    return new Environment(
        System.getenv(),
        Path.of(System.getProperty("user.home")),
        Path.of("").toAbsolutePath(),
        System.console() != null && !HostEnvironment.ci(System.getenv()));
  }

  /** A CI run (any CI server's variable): never reuse, always clean up, plain output. */
  boolean ci() {
    return HostEnvironment.ci(env);
  }

  Path stateRoot() {
    return HostEnvironment.stateRoot(env, home);
  }

  SandboxConfig config() {
    return SandboxConfig.fromEnvironment(env, home);
  }

  SandboxEngine engine() {
    return new SandboxEngine(config(), stateRoot());
  }

  /**
   * Precedence: -f flag > SANDBOX_FILE > ./sandbox.yaml > embedded default; --name > SANDBOX_NAME >
   * stack.
   */
  Stack stack(GlobalOptions options) {
    Path file = options.file;
    if (file == null && env.get("SANDBOX_FILE") != null && !env.get("SANDBOX_FILE").isBlank()) {
      file = Path.of(env.get("SANDBOX_FILE"));
    }
    Stack stack =
        file != null
            ? StackLoader.load(workingDirectory.resolve(file))
            : StackLoader.forDirectory(workingDirectory);
    String name = name(options, stack);
    Stack named = name.equals(stack.name()) ? stack : stack.withName(name);
    // --context, else SANDBOX_CONTEXT, else the stack file's target.context; SANDBOX_NAMESPACES
    return dev.sandbox.SandboxEngine.targeting(named, options.context, env);
  }

  /**
   * The sandbox name without parsing the stack when --name or SANDBOX_NAME says it; checked with
   * {@link SandboxName} before anything uses it, since it becomes a folder and container names.
   */
  String name(GlobalOptions options) {
    return explicitName(options).orElseGet(() -> stack(options).name());
  }

  private String name(GlobalOptions options, Stack stack) {
    return explicitName(options).orElse(stack.name());
  }

  private java.util.Optional<String> explicitName(GlobalOptions options) {
    if (options.name != null) {
      return java.util.Optional.of(SandboxName.check(options.name, "--name"));
    }
    String fromEnv = env.get("SANDBOX_NAME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return java.util.Optional.of(SandboxName.check(fromEnv, "SANDBOX_NAME"));
    }
    return java.util.Optional.empty();
  }
}
