package dev.sandbox.junit;

import dev.sandbox.Durations;
import dev.sandbox.Stack;
import dev.sandbox.StackLoader;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/** {@link WithCluster} resolved against the environment: the stack, reuse, the sharing key. */
record Settings(WithCluster annotation, Stack stack, boolean persistent) {

  static Settings of(WithCluster annotation) {
    Path workingDirectory = Path.of("").toAbsolutePath();
    Stack stack =
        annotation.stack().isEmpty()
            ? StackLoader.forDirectory(workingDirectory)
            : StackLoader.load(workingDirectory.resolve(annotation.stack()));
    if (!annotation.readinessTimeout().isEmpty()) {
      stack = stack.withReadiness(new Stack.Readiness(duration(annotation.readinessTimeout())));
    }
    return new Settings(annotation, stack, annotation.reuse() && !ci());
  }

  /** One sandbox per distinct stack per JVM. */
  String key() {
    return "sandbox:"
        + stack.name()
        + ":"
        + stack.hash()
        + ":"
        + stack.readiness().timeout().toSeconds();
  }

  static boolean ci() {
    String ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
  }

  /** The sandbox {@code sandbox exec} started for this process ({@code SANDBOX_NAME}), if any. */
  static java.util.Optional<String> outerSandbox() {
    String name = System.getenv("SANDBOX_NAME");
    if (name == null || name.isBlank()) {
      return java.util.Optional.empty();
    }
    // a bad name fails the class before any folder or container is touched
    return java.util.Optional.of(dev.sandbox.SandboxName.check(name, "SANDBOX_NAME"));
  }

  static Path home() {
    return Path.of(System.getProperty("user.home"));
  }

  static Path stateRoot() {
    String custom = System.getenv("SANDBOX_HOME");
    return custom != null && !custom.isBlank() ? Path.of(custom) : home().resolve(".sandbox");
  }

  private static Duration duration(String value) {
    return Durations.parse(value)
        .orElseThrow(
            () ->
                new ExtensionConfigurationException(
                    "@WithCluster(readinessTimeout = \""
                        + value
                        + "\") is not a duration; write for example 90s or 5m."));
  }
}
