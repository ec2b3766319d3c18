package dev.sandbox.junit;

import dev.sandbox.Durations;
import dev.sandbox.HostEnvironment;
import dev.sandbox.SandboxName;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * {@link WithCluster} resolved against the environment once, at the edge: the stack, reuse, quiet,
 * the sharing key.
 */
record Settings(WithCluster annotation, Stack stack, boolean persistent, boolean quiet) {

  /** System property that silences the start-up progress of every class ({@code true}). */
  static final String QUIET_PROPERTY = "sandbox.quiet";

  /** System property that makes a missing Docker engine a failure outside CI too. */
  static final String REQUIRE_DOCKER_PROPERTY = "sandbox.requireDocker";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SUFFIX_LENGTH = 6;

  static Settings of(WithCluster annotation) {
    Path workingDirectory = Path.of("").toAbsolutePath();
    Stack stack =
        annotation.stack().isEmpty()
            ? StackLoader.forDirectory(workingDirectory)
            : StackLoader.load(workingDirectory.resolve(annotation.stack()));
    // SANDBOX_CONTEXT runs the same tests on a shared cluster
    stack = dev.sandbox.SandboxEngine.targeting(stack, null);
    if (!annotation.readinessTimeout().isEmpty()) {
      stack = stack.withReadiness(new Stack.Readiness(duration(annotation.readinessTimeout())));
    }
    boolean ci = ci(System.getenv());
    return new Settings(
        annotation,
        stack,
        annotation.reuse() && !ci,
        annotation.quiet() || Boolean.getBoolean(QUIET_PROPERTY));
  }

  /**
   * One sandbox per distinct stack per JVM. The key is what makes the sandbox itself: the stack's
   * name and hash. The readiness timeout (and every other annotation option) only says how long to
   * wait or what to do inside the sandbox, so two classes that differ there share it — the first
   * class to start it decides how long the start may take.
   */
  String key() {
    return "sandbox:" + stack.name() + ":" + stack.hash();
  }

  static boolean ci(Map<String, String> environment) {
    return HostEnvironment.ci(environment);
  }

  /** A missing Docker engine fails instead of skipping: in CI, or when asked to. */
  static boolean requireDocker(Map<String, String> environment) {
    return ci(environment) || Boolean.getBoolean(REQUIRE_DOCKER_PROPERTY);
  }

  /**
   * The name of a throwaway sandbox of the stack {@code stackName}: the stack's name plus a random
   * run suffix, so two builds on one Docker engine (two CI jobs, two Maven modules in parallel)
   * never share, refuse, or remove each other's containers. Still a sandbox name (a DNS label of at
   * most 63 characters): a long stack name is shortened, never the suffix.
   */
  static String throwawayName(String stackName) {
    StringBuilder suffix = new StringBuilder(SUFFIX_LENGTH);
    for (int i = 0; i < SUFFIX_LENGTH; i++) {
      suffix.append(Character.forDigit(RANDOM.nextInt(36), 36));
    }
    String base = stackName.substring(0, Math.min(stackName.length(), 63 - 1 - SUFFIX_LENGTH));
    base = base.replaceAll("-+$", "");
    return SandboxName.check(
        (base + "-" + suffix).toLowerCase(Locale.ROOT), "@WithCluster sandbox name");
  }

  /** The sandbox {@code sandbox exec} started for this process ({@code SANDBOX_NAME}), if any. */
  static Optional<String> outerSandbox() {
    String name = System.getenv("SANDBOX_NAME");
    if (name == null || name.isBlank()) {
      return Optional.empty();
    }
    // a bad name fails the class before any folder or container is touched
    return Optional.of(SandboxName.check(name, "SANDBOX_NAME"));
  }

  static Path home() {
    return Path.of(System.getProperty("user.home"));
  }

  static Path stateRoot() {
    return HostEnvironment.stateRoot(System.getenv(), home());
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
