package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.Sandbox;
import dev.sandbox.postgres.PostgresEndpoint;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.sql.DriverManager;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Fixture classes run through the EngineTestKit by {@link WithClusterIT}; not run on their own. */
final class WithClusterTestCases {

  static final List<String> SEEN_K3S = new CopyOnWriteArrayList<>();
  static final List<String> SEEN_K3S_IN_PARALLEL = new CopyOnWriteArrayList<>();
  static final List<String> PARALLEL_THREADS = new CopyOnWriteArrayList<>();
  static final List<String> SEEN_NAMESPACES = new CopyOnWriteArrayList<>();
  static final List<String> SEEN_NAMES = new CopyOnWriteArrayList<>();

  private WithClusterTestCases() {}

  /** The Jupiter engine of the test kit, running the selected fixture classes in @Order. */
  static org.junit.platform.testkit.engine.EngineTestKit.Builder inOrder() {
    return org.junit.platform.testkit.engine.EngineTestKit.engine("junit-jupiter")
        .configurationParameter(
            "junit.jupiter.testclass.order.default",
            "org.junit.jupiter.api.ClassOrderer$OrderAnnotation");
  }

  /** A team's own annotation, declared once. */
  @WithCluster(stack = "src/test/resources/it-stack.yaml")
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface TeamSandbox {}

  @TeamSandbox
  @Order(1)
  static class FirstClass {
    @InjectSandbox KubernetesClient client;

    @Test
    void gets_a_ready_cluster_and_postgres(Sandbox sandbox, PostgresEndpoint db) throws Exception {
      SEEN_K3S.add(sandbox.state().containers().get("k3s"));
      SEEN_NAMES.add(sandbox.name());
      assertThat(client.nodes().list().getItems()).hasSize(1);
      try (var connection =
          DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password())) {
        assertThat(connection.isValid(5)).isTrue();
      }
    }
  }

  @TeamSandbox
  @Order(2)
  static class SecondClass {
    private final Sandbox sandbox;

    SecondClass(Sandbox sandbox) {
      this.sandbox = sandbox;
    }

    @Test
    void shares_the_same_sandbox() {
      SEEN_K3S.add(sandbox.state().containers().get("k3s"));
    }
  }

  @WithCluster(
      stack = "src/test/resources/it-stack.yaml",
      namespacePerClass = true,
      manifests = "src/test/resources/it-manifests")
  @Order(3)
  static class NamespacedClass {
    @Test
    void owns_a_namespace_with_its_manifests(ClusterNamespace namespace, KubernetesClient client) {
      SEEN_NAMESPACES.add(namespace.name());
      assertThat(namespace.name()).startsWith("t-namespacedclass-");
      assertThat(
              client
                  .configMaps()
                  .inNamespace(namespace.name())
                  .withName("class-config")
                  .get()
                  .getData())
          .containsEntry("greeting", "hello");
    }
  }

  @TeamSandbox
  @Order(4)
  static class AfterTheNamespacedClass {
    @Test
    void no_longer_sees_its_namespace(KubernetesClient client, Sandbox sandbox) {
      SEEN_K3S.add(sandbox.state().containers().get("k3s"));
      assertThat(SEEN_NAMESPACES).hasSize(1);
      var namespace = client.namespaces().withName(SEEN_NAMESPACES.get(0)).get();
      // gone, or being finalized by Kubernetes (deleted in the background)
      assertThat(namespace == null || namespace.getMetadata().getDeletionTimestamp() != null)
          .as("namespace %s deleted", SEEN_NAMESPACES.get(0))
          .isTrue();
    }
  }

  @TeamSandbox
  static class UnsupportedParameterClass {
    @Test
    void asks_for_something_unknown(@InjectSandbox String notInjectable) {}
  }

  @TeamSandbox
  static class FailingClass {
    @Test
    void fails() {
      Assertions.assertEquals(3, 1 + 1, "deliberately wrong");
    }
  }

  @TeamSandbox
  static class AssumingClass {
    @Test
    void is_skipped_by_its_assumption(Sandbox sandbox) {
      SEEN_NAMES.add(sandbox.name());
      Assumptions.assumeTrue(false, "not on this platform");
    }
  }

  /** Same stack, another readiness timeout: not part of the sandbox's identity, so it shares. */
  @WithCluster(stack = "src/test/resources/it-stack.yaml", readinessTimeout = "4m")
  @Order(5)
  static class LongerTimeoutClass {
    @Test
    void shares_the_sandbox_too(Sandbox sandbox) {
      SEEN_K3S.add(sandbox.state().containers().get("k3s"));
    }
  }

  @WithCluster(stack = "src/test/resources/broken-stack.yaml")
  static class BrokenStackClass {
    @Test
    void never_runs() {}
  }

  /** Three classes run concurrently (JUnit's parallel mode) and ask for the sandbox at once. */
  abstract static class ParallelBase {
    @Test
    void gets_the_one_sandbox(Sandbox sandbox, KubernetesClient client) {
      PARALLEL_THREADS.add(Thread.currentThread().getName());
      SEEN_K3S_IN_PARALLEL.add(sandbox.state().containers().get("k3s"));
      assertThat(client.namespaces().withName("default").get()).isNotNull();
    }
  }

  @TeamSandbox
  static class ParallelA extends ParallelBase {}

  @TeamSandbox
  static class ParallelB extends ParallelBase {}

  @TeamSandbox
  static class ParallelC extends ParallelBase {}

  /**
   * Two namespace-per-class classes with kustomizations of their own, run in parallel with the
   * classes above: each render has its own scratch folder in the node, so neither sees the other's.
   */
  abstract static class ParallelKustomizeBase {
    abstract String own();

    @Test
    void renders_its_own_kustomization(ClusterNamespace namespace, KubernetesClient client) {
      String other = own().equals("a") ? "b" : "a";
      var mine = client.configMaps().inNamespace(namespace.name()).withName(own() + "-kz").get();
      assertThat(mine).as("%s-kz in %s", own(), namespace.name()).isNotNull();
      assertThat(mine.getData()).containsEntry("from", own());
      assertThat(client.configMaps().inNamespace(namespace.name()).withName(other + "-kz").get())
          .isNull();
    }
  }

  @WithCluster(
      stack = "src/test/resources/it-stack.yaml",
      namespacePerClass = true,
      manifests = "src/test/resources/it-kustomize/a")
  static class ParallelKustomizeA extends ParallelKustomizeBase {
    @Override
    String own() {
      return "a";
    }
  }

  @WithCluster(
      stack = "src/test/resources/it-stack.yaml",
      namespacePerClass = true,
      manifests = "src/test/resources/it-kustomize/b")
  static class ParallelKustomizeB extends ParallelKustomizeBase {
    @Override
    String own() {
      return "b";
    }
  }

  /** A stack whose start fails inside the engine at once; five classes use it. */
  @WithCluster(stack = "src/test/resources/failing-start-stack.yaml")
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface FailingStack {}

  abstract static class FailingStartBase {
    @Test
    void needs_the_failing_stack(Sandbox sandbox) {}
  }

  @FailingStack
  @Order(1)
  static class FailingStart1 extends FailingStartBase {}

  @FailingStack
  @Order(2)
  static class FailingStart2 extends FailingStartBase {}

  @FailingStack
  @Order(3)
  static class FailingStart3 extends FailingStartBase {}

  @FailingStack
  @Order(4)
  static class FailingStart4 extends FailingStartBase {}

  @FailingStack
  @Order(5)
  static class FailingStart5 extends FailingStartBase {}
}
