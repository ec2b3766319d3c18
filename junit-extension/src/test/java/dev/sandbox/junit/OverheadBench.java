package dev.sandbox.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The benchmark behind {@code bench/extension-overhead.sh}: with a shared sandbox already up, how
 * long a namespace-per-class test class holding one small Deployment takes from the class starting
 * to its first test running (namespace, wiring, apply, rollout). Prints one line per class; the
 * script takes the median. Not a test: run through the script.
 */
public final class OverheadBench {

  private OverheadBench() {}

  public static void main(String[] args) {
    Map<String, Long> classStarted = new ConcurrentHashMap<>();
    Map<String, Long> testFinished = new ConcurrentHashMap<>();
    List<String> lines = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    TestExecutionListener listener =
        new TestExecutionListener() {
          @Override
          public void executionStarted(TestIdentifier id) {
            if (id.isContainer() && id.getDisplayName().contains("Namespaced")) {
              classStarted.put(id.getUniqueId(), System.nanoTime());
            } else if (id.isTest()) {
              Long start = id.getParentId().map(classStarted::get).orElse(null);
              if (start != null) {
                lines.add(
                    "class-ready-ms "
                        + Duration.ofNanos(System.nanoTime() - start).toMillis()
                        + " "
                        + id.getParentId().get());
              }
            }
          }

          @Override
          public void executionSkipped(TestIdentifier id, String reason) {
            failures.add(id.getDisplayName() + " skipped: " + reason);
          }

          @Override
          public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest()) {
              id.getParentId().ifPresent(parent -> testFinished.put(parent, System.nanoTime()));
            } else if (testFinished.containsKey(id.getUniqueId())
                && classStarted.containsKey(id.getUniqueId())) {
              lines.add(
                  "class-teardown-ms "
                      + Duration.ofNanos(System.nanoTime() - testFinished.get(id.getUniqueId()))
                          .toMillis()
                      + " "
                      + id.getUniqueId());
            }
            if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
              failures.add(id.getDisplayName() + ": " + result.getThrowable().orElse(null));
            }
          }
        };
    LauncherFactory.create()
        .execute(
            LauncherDiscoveryRequestBuilder.request()
                .configurationParameter(
                    "junit.jupiter.testclass.order.default",
                    "org.junit.jupiter.api.ClassOrderer$OrderAnnotation")
                .selectors(
                    selectClass(WarmUp.class),
                    selectClass(Namespaced1.class),
                    selectClass(Namespaced2.class),
                    selectClass(Namespaced3.class),
                    selectClass(Namespaced4.class),
                    selectClass(Namespaced5.class))
                .build(),
            listener);
    lines.forEach(System.out::println);
    if (!failures.isEmpty() || lines.size() != 10) {
      System.err.println("the benchmark classes did not all pass: " + failures);
      System.exit(1);
    }
    // the sandbox is down (the test plan closed it); client threads must not hold the JVM
    System.exit(0);
  }

  @WithCluster(stack = "src/test/resources/it-stack.yaml")
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface Shared {}

  @WithCluster(
      stack = "src/test/resources/it-stack.yaml",
      namespacePerClass = true,
      manifests = "src/test/resources/bench-manifests")
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface OwnNamespace {}

  /** Starts the shared sandbox, so the classes below measure only their own overhead. */
  @Shared
  @Order(0)
  static class WarmUp {
    @Test
    void starts_the_sandbox() {}
  }

  @OwnNamespace
  @Order(1)
  static class Namespaced1 {
    @Test
    void ready(ClusterNamespace namespace) {}
  }

  @OwnNamespace
  @Order(2)
  static class Namespaced2 {
    @Test
    void ready(ClusterNamespace namespace) {}
  }

  @OwnNamespace
  @Order(3)
  static class Namespaced3 {
    @Test
    void ready(ClusterNamespace namespace) {}
  }

  @OwnNamespace
  @Order(4)
  static class Namespaced4 {
    @Test
    void ready(ClusterNamespace namespace) {}
  }

  @OwnNamespace
  @Order(5)
  static class Namespaced5 {
    @Test
    void ready(ClusterNamespace namespace) {}
  }
}
