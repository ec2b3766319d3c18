package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.sandbox.SandboxException;
import dev.sandbox.junit.WithClusterTestCases.FailingStart1;
import dev.sandbox.junit.WithClusterTestCases.FailingStart2;
import dev.sandbox.junit.WithClusterTestCases.FailingStart3;
import dev.sandbox.junit.WithClusterTestCases.FailingStart4;
import dev.sandbox.junit.WithClusterTestCases.FailingStart5;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.Event;
import org.testcontainers.DockerClientFactory;

/**
 * A stack that cannot start, used by five classes: one start attempt, and every class fails with
 * its cause. No cluster starts (the engine refuses the stack's manifest before anything runs), so
 * this costs seconds.
 */
@DisplayName("A failed start is remembered")
class WithClusterFailureIT {

  static EngineExecutionResults results;
  static Duration took;

  @BeforeAll
  static void runTheFixtures() {
    assertThat(DockerClientFactory.instance().isDockerAvailable())
        .as("WithClusterFailureIT needs a Docker engine")
        .isTrue();
    Instant start = Instant.now();
    results =
        WithClusterTestCases.inOrder()
            .selectors(
                selectClass(FailingStart1.class),
                selectClass(FailingStart2.class),
                selectClass(FailingStart3.class),
                selectClass(FailingStart4.class),
                selectClass(FailingStart5.class))
            .execute();
    took = Duration.between(start, Instant.now());
  }

  @Test
  void five_classes_of_a_broken_stack_all_fail_and_none_runs_a_test() {
    results.testEvents().assertStatistics(stats -> stats.started(0));
    assertThat(classFailures()).hasSize(5);
  }

  @Test
  void the_first_class_gets_the_engines_own_exception() {
    Throwable first = classFailures().get(0);
    assertThat(first)
        .isInstanceOf(SandboxException.ManifestApply.class)
        .hasMessageContaining("broken.yaml");
  }

  @Test
  void the_four_later_classes_fail_at_once_naming_the_one_original_failure() {
    List<Throwable> failures = classFailures();
    Throwable original = failures.get(0);
    for (Throwable later : failures.subList(1, 5)) {
      assertThat(later)
          .isInstanceOf(SandboxException.class)
          .hasMessageStartingWith(
              "The sandbox of stack 'it-junit-failing' failed to start earlier in this test run"
                  + " (for "
                  + FailingStart1.class.getName()
                  + "), so it is not started again: ")
          .hasMessageContaining(original.getMessage());
      // the very same exception object: one attempt, not five that failed alike
      assertThat(later.getCause()).isSameAs(original);
    }
    assertThat(took).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void nothing_is_left_on_the_docker_engine() {
    assertThat(Leftovers.of(Leftovers.throwawayOf("it-junit-failing"))).isEmpty();
  }

  private static List<Throwable> classFailures() {
    return results.containerEvents().failed().stream()
        .filter(e -> e.getTestDescriptor().getDisplayName().contains("FailingStart"))
        .sorted(java.util.Comparator.comparing((Event e) -> e.getTestDescriptor().getDisplayName()))
        .map(e -> e.getPayload(TestExecutionResult.class).orElseThrow())
        .map(r -> r.getThrowable().orElseThrow())
        .toList();
  }
}
