package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.abortedWithReason;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import dev.sandbox.StackFileException;
import dev.sandbox.junit.WithClusterTestCases.FailingClass;
import dev.sandbox.junit.WithClusterTestCases.FirstClass;
import dev.sandbox.junit.WithClusterTestCases.NamespacedClass;
import dev.sandbox.junit.WithClusterTestCases.SecondClass;
import dev.sandbox.junit.WithClusterTestCases.UnsupportedParameterClass;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;

/**
 * The extension, the junit-pioneer way: fixture classes run through the JUnit Platform in one test
 * plan (so they share one sandbox), asserting exact outcomes and messages.
 */
class WithClusterIT {

  static EngineExecutionResults results;

  @BeforeAll
  static void runTheFixtures() {
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException("WithClusterIT needs a Docker engine");
    }
    results =
        WithClusterTestCases.inOrder()
            .selectors(
                selectClass(FirstClass.class),
                selectClass(SecondClass.class),
                selectClass(NamespacedClass.class),
                selectClass(WithClusterTestCases.AfterTheNamespacedClass.class),
                selectClass(UnsupportedParameterClass.class),
                selectClass(FailingClass.class),
                selectClass(WithClusterTestCases.AssumingClass.class),
                selectClass(WithClusterTestCases.LongerTimeoutClass.class),
                selectClass(WithClusterTestCases.BrokenStackClass.class))
            .execute();
    parallel =
        EngineTestKit.engine("junit-jupiter")
            .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
            .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
            .configurationParameter(
                "junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
            .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
            .configurationParameter(
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "3")
            .selectors(
                selectClass(WithClusterTestCases.ParallelA.class),
                selectClass(WithClusterTestCases.ParallelB.class),
                selectClass(WithClusterTestCases.ParallelC.class),
                selectClass(WithClusterTestCases.ParallelKustomizeA.class),
                selectClass(WithClusterTestCases.ParallelKustomizeB.class))
            .execute();
  }

  static EngineExecutionResults parallel;

  @Test
  void classes_running_in_parallel_share_one_start_up() {
    // three plain classes and two namespace-per-class classes rendering kustomizations at once
    parallel.testEvents().assertStatistics(stats -> stats.started(5).succeeded(5));
    assertThat(WithClusterTestCases.SEEN_K3S_IN_PARALLEL).hasSize(3);
    assertThat(java.util.Set.copyOf(WithClusterTestCases.SEEN_K3S_IN_PARALLEL)).hasSize(1);
    // a different sandbox than the sequential plan's, which was closed when that plan ended
    assertThat(WithClusterTestCases.SEEN_K3S_IN_PARALLEL.get(0))
        .isNotEqualTo(WithClusterTestCases.SEEN_K3S.get(0));
    assertThat(java.util.Set.copyOf(WithClusterTestCases.PARALLEL_THREADS)).hasSizeGreaterThan(1);
  }

  @Test
  void four_classes_pay_the_start_up_once_one_sandbox_per_stack_per_jvm() {
    // LongerTimeoutClass differs only in readinessTimeout, which is not part of the identity
    assertThat(WithClusterTestCases.SEEN_K3S).hasSize(4);
    assertThat(java.util.Set.copyOf(WithClusterTestCases.SEEN_K3S)).hasSize(1);
    results
        .testEvents()
        .succeeded()
        .assertThatEvents()
        .haveExactly(1, event(test("gets_a_ready_cluster_and_postgres")))
        .haveExactly(1, event(test("shares_the_same_sandbox")))
        .haveExactly(1, event(test("owns_a_namespace_with_its_manifests")))
        .haveExactly(1, event(test("no_longer_sees_its_namespace")))
        .haveExactly(1, event(test("shares_the_sandbox_too")));
  }

  @Test
  void the_throwaway_sandbox_has_a_run_suffix_and_is_removed_when_the_test_plan_ends() {
    assertThat(WithClusterTestCases.SEEN_NAMES).isNotEmpty();
    assertThat(java.util.Set.copyOf(WithClusterTestCases.SEEN_NAMES)).hasSize(1);
    String name = WithClusterTestCases.SEEN_NAMES.get(0);
    assertThat(name).matches("it-junit-[a-z0-9]{6}");
    assertThat(Leftovers.of(name::equals)).isEmpty();
  }

  @Test
  void an_assumption_inside_a_class_is_reported_as_skipped_not_failed() {
    results
        .testEvents()
        .aborted()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("is_skipped_by_its_assumption"),
                abortedWithReason(
                    instanceOf(TestAbortedException.class),
                    message(m -> m.equals("Assumption failed: not on this platform")))));
    results
        .testEvents()
        .failed()
        .assertThatEvents()
        .haveExactly(0, event(test("is_skipped_by_its_assumption")));
  }

  @Test
  void an_unsupported_parameter_type_gets_a_message_naming_it_and_the_supported_types() {
    results
        .testEvents()
        .failed()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("asks_for_something_unknown"),
                finishedWithFailure(
                    instanceOf(ParameterResolutionException.class),
                    message(
                        m ->
                            m.equals(
                                "asks_for_something_unknown(arg0) has type java.lang.String, which @WithCluster cannot inject."
                                    + " Supported types: Sandbox, KubernetesClient, ClusterNamespace, PostgresEndpoint, RabbitEndpoint.")))));
  }

  @Test
  void a_failed_test_keeps_its_own_exception_and_gets_diagnostics_beside_it() {
    Path folder =
        Path.of("target", "sandbox-reports", FailingClass.class.getName(), "fails")
            .toAbsolutePath();
    Throwable failure =
        results.testEvents().failed().stream()
            .filter(e -> e.getTestDescriptor().getDisplayName().equals("fails()"))
            .findFirst()
            .orElseThrow()
            .getPayload(TestExecutionResult.class)
            .orElseThrow()
            .getThrowable()
            .orElseThrow();
    // the very AssertionFailedError of assertEquals: the IDE's diff view needs expected/actual
    assertThat(failure)
        .isExactlyInstanceOf(AssertionFailedError.class)
        .hasMessage("deliberately wrong ==> expected: <3> but was: <2>");
    AssertionFailedError assertion = (AssertionFailedError) failure;
    assertThat(assertion.getExpected().getValue()).isEqualTo(3);
    assertThat(assertion.getActual().getValue()).isEqualTo(2);
    assertThat(failure.getSuppressed())
        .singleElement()
        .satisfies(
            s ->
                assertThat(s)
                    .hasMessage("Sandbox diagnostics (events, pods, last log lines): " + folder));
    results
        .allEvents()
        .reportingEntryPublished()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                test("fails"),
                new org.assertj.core.api.Condition<>(
                    e ->
                        e.getPayload(ReportEntry.class)
                            .map(r -> r.getKeyValuePairs().get("sandbox.diagnostics"))
                            .filter(folder.toString()::equals)
                            .isPresent(),
                    "report entry naming " + folder)));
    assertThat(folder.resolve("events.txt")).exists();
    assertThat(folder.resolve("pods.yaml")).exists();
    assertThat(Files.isDirectory(folder.resolve("logs"))).isTrue();
  }

  @Test
  void the_class_namespace_is_deleted_after_the_class() {
    results
        .testEvents()
        .succeeded()
        .assertThatEvents()
        .haveExactly(1, event(test("no_longer_sees_its_namespace")));
  }

  @Test
  void a_bad_stack_file_fails_the_class_with_the_parsers_message() {
    Path file = Path.of("src/test/resources/broken-stack.yaml").toAbsolutePath();
    results
        .containerEvents()
        .failed()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                container(WithClusterTestCases.BrokenStackClass.class),
                finishedWithFailure(
                    instanceOf(StackFileException.class),
                    message(
                        m ->
                            m.startsWith(file + ":4:1: servics: unknown key.")
                                && m.contains("Did you mean 'services'?")))));
    results.testEvents().started().assertThatEvents().haveExactly(0, event(test("never_runs")));
  }
}
