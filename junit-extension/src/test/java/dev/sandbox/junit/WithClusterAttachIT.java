package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.ProgressListener;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import dev.sandbox.UpOptions;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code sandbox exec -- ./mvnw verify}: the build's {@code @WithCluster} classes attach to the
 * sandbox exec started (it sets {@code SANDBOX_NAME}) when it runs the same stack, instead of
 * starting a second slice, and leave it running for exec to remove.
 */
class WithClusterAttachIT {

  private static final String OUTER = "it-junit-outer";

  @Test
  void a_build_under_sandbox_exec_uses_the_sandbox_exec_started() throws Exception {
    SandboxEngine engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(System.getenv(), Settings.home()), Settings.stateRoot());
    Stack stack =
        StackLoader.load(Path.of("src/test/resources/it-stack.yaml").toAbsolutePath())
            .withName(OUTER);
    try (Sandbox outer = engine.up(stack, UpOptions.defaults(), ProgressListener.NONE)) {
      ProcessBuilder builder = ChildJvm.of(AttachesToOuterSandbox.class);
      builder.environment().put("SANDBOX_NAME", OUTER);
      ChildJvm.Result child = ChildJvm.run(builder, Duration.ofMinutes(3));
      String output = child.output();

      assertThat(child.timedOut())
          .as("the child ends within 3 min; its output:%n%s", output)
          .isFalse();
      assertThat(child.exitCode()).as(output).isZero();
      assertThat(output)
          .as("the child's sandbox runs on the outer k3s container")
          .contains(AttachesToOuterSandbox.K3S + outer.state().containers().get("k3s"))
          .contains("attaching to the running sandbox '" + OUTER + "'");
      assertThat(engine.containers(OUTER))
          .as("the outer sandbox outlives the build")
          .hasSize(2)
          .allMatch(c -> "running".equals(c.getState()));
    } finally {
      engine.down(OUTER, false, ProgressListener.NONE);
    }
  }
}
