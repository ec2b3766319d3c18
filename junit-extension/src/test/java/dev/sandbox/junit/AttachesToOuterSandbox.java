package dev.sandbox.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.sandbox.Sandbox;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Run in a child JVM, as a build would run: by {@link WithClusterAttachIT} with {@code
 * SANDBOX_NAME} set (as {@code sandbox exec} runs a build), and by {@link WithClusterReuseIT} with
 * the argument {@code reuse}, twice. Prints the k3s container its {@code @WithCluster} sandbox runs
 * on and exits with 0 when the test passed.
 */
final class AttachesToOuterSandbox {

  static final String K3S = "K3S ";

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

  @WithCluster(stack = "src/test/resources/reuse-stack.yaml", reuse = true)
  static class ReusingFixture {
    @Test
    void reports_its_cluster(Sandbox sandbox) {
      System.out.println(K3S + sandbox.state().containers().get("k3s"));
    }
  }
}
