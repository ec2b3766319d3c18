package dev.sandbox.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.sandbox.Sandbox;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Run in a child JVM, as a build would run: by {@link WithClusterAttachIT} with {@code
 * SANDBOX_NAME} set (as {@code sandbox exec} runs a build), by {@link WithClusterReuseIT} with the
 * argument {@code reuse}, twice, and by {@link WithClusterConcurrentBuildsIT} twice at once. Prints
 * the k3s container its {@code @WithCluster} sandbox runs on and exits with 0 when the test passed.
 */
final class AttachesToOuterSandbox {

  static final String K3S = "K3S ";
  static final String NAME = "NAME ";

  private AttachesToOuterSandbox() {}

  public static void main(String[] args) {
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    LauncherFactory.create()
        .execute(
            LauncherDiscoveryRequestBuilder.request()
                .selectors(
                    selectClass(
                        args.length > 0 && args[0].equals("reuse")
                            ? ReusingFixture.class
                            : Fixture.class))
                .build(),
            summary);
    var result = summary.getSummary();
    System.out.println(
        "TESTS succeeded="
            + result.getTestsSucceededCount()
            + " failed="
            + result.getTotalFailureCount()
            + " skipped="
            + result.getTestsSkippedCount()
            + " aborted="
            + result.getTestsAbortedCount());
    result.getFailures().forEach(f -> f.getException().printStackTrace(System.out));
    System.out.flush();
    // a skipped class (no Docker) is no pass: the test must have run and succeeded
    System.exit(result.getTotalFailureCount() == 0 && result.getTestsSucceededCount() == 1 ? 0 : 1);
  }

  @WithCluster(stack = "src/test/resources/it-stack.yaml")
  static class Fixture {
    @Test
    void reports_its_cluster(Sandbox sandbox) {
      System.out.println(NAME + sandbox.name());
      System.out.println(K3S + sandbox.state().containers().get("k3s"));
    }
  }

  @WithCluster(stack = "src/test/resources/reuse-stack.yaml", reuse = true)
  static class ReusingFixture {
    @Test
    void reports_its_cluster(Sandbox sandbox) {
      System.out.println(K3S + sandbox.state().containers().get("k3s"));
    }
  }
}
