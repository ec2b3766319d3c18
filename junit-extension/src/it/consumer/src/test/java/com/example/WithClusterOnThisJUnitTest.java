package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import com.github.dockerjava.api.model.Container;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxException;
import dev.sandbox.junit.WithCluster;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.testcontainers.DockerClientFactory;

/** The extension on the JUnit this build brings (junit.version), as a user's build runs it. */
class WithClusterOnThisJUnitTest {

  static final List<String> NAMES = new java.util.concurrent.CopyOnWriteArrayList<>();

  @WithCluster(stack = "src/test/resources/failing-stack.yaml", quiet = true)
  static class FirstOfABrokenStack {
    @Test
    void needs_it(Sandbox sandbox) {}
  }

  @WithCluster(stack = "src/test/resources/failing-stack.yaml", quiet = true)
  static class SecondOfABrokenStack {
    @Test
    void needs_it(Sandbox sandbox) {}
  }

  @WithCluster(stack = "src/test/resources/small-stack.yaml")
  static class RealStart {
    @Test
    void gets_a_cluster(Sandbox sandbox) {
      NAMES.add(sandbox.name());
      assertEquals(1, sandbox.client().nodes().list().getItems().size());
    }

    @Test
    void is_skipped_by_an_assumption() {
      Assumptions.assumeTrue(false, "skipped on purpose");
    }
  }

  @Test
  void runs_on_the_junit_this_build_asked_for() throws Exception {
    String wanted = System.getProperty("consumer.junitVersion");
    assertEquals(wanted, Test.class.getPackage().getImplementationVersion());
    assertEquals(
        wanted,
        Class.forName("org.junit.jupiter.engine.JupiterTestEngine")
            .getPackage()
            .getImplementationVersion());
  }

  @Test
  void a_failed_start_is_remembered_across_classes() {
    EngineExecutionResults results =
        EngineTestKit.engine("junit-jupiter")
            .selectors(
                selectClass(FirstOfABrokenStack.class), selectClass(SecondOfABrokenStack.class))
            .execute();
    List<Throwable> failures =
        results.containerEvents().failed().stream()
            .filter(e -> e.getTestDescriptor().getDisplayName().contains("OfABrokenStack"))
            .map(WithClusterOnThisJUnitTest::throwable)
            .collect(Collectors.toList());
    assertEquals(2, failures.size(), () -> "class failures: " + failures);
    Throwable later =
        failures.stream()
            .filter(t -> String.valueOf(t.getMessage()).contains("failed to start earlier"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no class names an earlier failure: " + failures));
    Throwable first = failures.stream().filter(t -> t != later).findFirst().orElseThrow();
    assertTrue(first instanceof SandboxException.ManifestApply, () -> "first: " + first);
    assertTrue(later.getCause() == first, "one attempt: the later class names the same failure");
  }

  @Test
  void a_real_start_works_and_the_store_closes_the_sandbox_when_the_plan_ends() {
    Assumptions.assumeTrue(
        Boolean.getBoolean("consumer.realStart"), "the real start runs in one consumer build only");
    EngineExecutionResults results =
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(RealStart.class)).execute();
    results.testEvents().assertStatistics(stats -> stats.succeeded(1).aborted(1).failed(0));
    assertEquals(1, NAMES.size());
    String name = NAMES.get(0);
    assertTrue(name.matches("consumer-small-[a-z0-9]{6}"), name);
    // closed by JUnit's store at the end of the plan (CloseableResource on 5.10-5.12)
    List<Container> left =
        DockerClientFactory.instance()
            .client()
            .listContainersCmd()
            .withShowAll(true)
            .withLabelFilter(Map.of("dev.sandbox.name", name))
            .exec();
    assertTrue(left.isEmpty(), () -> "containers left of " + name + ": " + left);
  }

  private static Throwable throwable(Event event) {
    return event
        .getPayload(TestExecutionResult.class)
        .flatMap(TestExecutionResult::getThrowable)
        .orElseThrow();
  }
}
