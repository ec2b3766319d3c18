package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetingTest {

  private static final Stack FILE =
      StackLoader.parse(
          "sandbox.yaml",
          "version: 1\ntarget: {context: from-file, namespaces: {orders: team-orders}}\n",
          Path.of("."));

  @Test
  void the_flag_wins_over_the_environment_which_wins_over_the_file() {
    assertThat(
            SandboxEngine.targeting(FILE, "flag", Map.of("SANDBOX_CONTEXT", "env"))
                .target()
                .context())
        .hasValue("flag");
    assertThat(
            SandboxEngine.targeting(FILE, null, Map.of("SANDBOX_CONTEXT", "env"))
                .target()
                .context())
        .hasValue("env");
    assertThat(SandboxEngine.targeting(FILE, null, Map.of()).target().context())
        .hasValue("from-file");
    assertThat(
            SandboxEngine.targeting(StackLoader.embeddedDefault(), null, Map.of())
                .target()
                .isCluster())
        .isFalse();
  }

  @Test
  void a_ci_job_names_its_own_pre_created_namespaces() {
    Stack stack =
        SandboxEngine.targeting(
            FILE,
            null,
            Map.of("SANDBOX_NAMESPACES", "sandbox=ci-42-services, orders=ci-42-orders"));
    assertThat(stack.target().namespaces())
        .containsEntry("orders", "ci-42-orders")
        .containsEntry("sandbox", "ci-42-services");
    assertThatThrownBy(
            () -> SandboxEngine.targeting(FILE, null, Map.of("SANDBOX_NAMESPACES", "orders:ci-42")))
        .isInstanceOf(SandboxException.class)
        .hasMessageContaining("SANDBOX_NAMESPACES: 'orders:ci-42'")
        .hasMessageContaining("orders=ci-42-orders");
  }
}
