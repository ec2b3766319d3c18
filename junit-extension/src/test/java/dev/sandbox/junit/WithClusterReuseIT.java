package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.ProgressListener;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code @WithCluster(reuse = true)} outside CI: the next build (another JVM) finds the sandbox the
 * previous one left running, while the stack file is unchanged, and skips the start-up.
 */
class WithClusterReuseIT {

  private static final String NAME = "it-junit-reuse";

  record Build(String k3s, Duration took, String output) {}

  private static Build build() throws Exception {
    ProcessBuilder builder = ChildJvm.of(AttachesToOuterSandbox.class, "reuse");
    // reuse is a laptop feature: CI never reuses
    dev.sandbox.HostEnvironment.CI_VARIABLES.forEach(builder.environment()::remove);
    builder.environment().remove("SANDBOX_NAME");
    builder.environment().put("TESTCONTAINERS_REUSE_ENABLE", "true");
    Instant start = Instant.now();
    ChildJvm.Result child = ChildJvm.run(builder, Duration.ofMinutes(3));
    String output = child.output();
    Duration took = Duration.between(start, Instant.now());
    assertThat(child.timedOut())
        .as("the build ends within 3 min; its output:%n%s", output)
        .isFalse();
    assertThat(child.exitCode()).as(output).isZero();
    Matcher k3s = Pattern.compile(AttachesToOuterSandbox.K3S + "(\\w+)").matcher(output);
    assertThat(k3s.find()).as(output).isTrue();
    return new Build(k3s.group(1), took, output);
  }

  @Test
  void the_next_build_reuses_the_sandbox_and_skips_the_start_up() throws Exception {
    SandboxEngine engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(System.getenv(), Settings.home()), Settings.stateRoot());
    engine.down(NAME, false, true, ProgressListener.NONE); // a leftover of an interrupted run
    try {
      Build first = build();
      assertThat(engine.containers(NAME))
          .as("the first build left its sandbox running")
          .isNotEmpty()
          .allMatch(c -> "running".equals(c.getState()));

      Build second = build();
      assertThat(second.k3s()).isEqualTo(first.k3s());
      assertThat(second.output()).contains("reusing the running sandbox");
      assertThat(second.took()).isLessThan(first.took());
    } finally {
      engine.down(NAME, false, true, ProgressListener.NONE);
    }
    assertThat(engine.containers(NAME)).isEmpty();
  }
}
