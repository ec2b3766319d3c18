package dev.sandbox.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.sandbox.Sandbox;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Run in a child JVM by {@link WithClusterKillIT}: runs one {@code @WithCluster} test that prints
 * {@code HOLDING <name>} once its sandbox is up, then waits (at most five minutes) to be killed.
 */
final class HoldsASandbox {

  static final String HOLDING = "HOLDING ";

  private HoldsASandbox() {}

  public static void main(String[] args) {
    LauncherFactory.create()
        .execute(
            LauncherDiscoveryRequestBuilder.request().selectors(selectClass(Holder.class)).build());
  }

  @WithCluster(stack = "src/test/resources/kill-stack.yaml")
  static class Holder {
    @Test
    void holds(Sandbox sandbox) throws InterruptedException {
      System.out.println(HOLDING + sandbox.name());
      System.out.flush();
      Thread.sleep(Duration.ofMinutes(5).toMillis());
    }
  }
}
