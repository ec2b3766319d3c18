package dev.sandbox.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.sandbox.Sandbox;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Run in a child JVM by {@link WithClusterAttachIT} with {@code SANDBOX_NAME} set, as {@code
 * sandbox exec} runs a build: prints the k3s container its {@code @WithCluster} sandbox runs on and
 * exits with 0 when the test passed.
 */
final class AttachesToOuterSandbox {

  static final String K3S = "K3S ";

  private AttachesToOuterSandbox() {}

  public static void main(String[] args) {
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    LauncherFactory.create()
        .execute(
            LauncherDiscoveryRequestBuilder.request().selectors(selectClass(Fixture.class)).build(),
            summary);
    System.out.flush();
    System.exit(summary.getSummary().getTotalFailureCount() == 0 ? 0 : 1);
  }

  @WithCluster(stack = "src/test/resources/it-stack.yaml")
  static class Fixture {
    @Test
    void reports_its_cluster(Sandbox sandbox) {
      System.out.println(K3S + sandbox.state().containers().get("k3s"));
    }
  }
}
