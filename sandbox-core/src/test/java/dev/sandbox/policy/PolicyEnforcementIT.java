package dev.sandbox.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.ProgressListener;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import dev.sandbox.UpOptions;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentList;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.RollableScalableResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One sandbox with every guardrail set to Deny, the network pack and the monitoring pack, then
 * objects submitted straight to its API server: what each policy lets through and what it stops.
 */
@RequiresDocker
class PolicyEnforcementIT {

  private static final String NAME = "it-enforced";
  private static final String NAMESPACE = "apps";
  private static final List<String> GUARDRAILS =
      List.of("sandbox-resources", "sandbox-image-tag", "sandbox-probes", "sandbox-name-label");

  @TempDir static Path dir;

  private static SandboxEngine engine;
  private static Sandbox sandbox;
  private static String busybox;

  @BeforeAll
  static void up() throws Exception {
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(dir.resolve("k8s/app.yaml"), PolicyPacksIT.COMPLIANT);
    // probes and name-label only warn by default; here every guardrail denies, and the sandbox's
    // own Prometheus has to pass them too
    Stack stack =
        StackLoader.load(
            Files.writeString(
                dir.resolve("sandbox.yaml"),
                """
        version: 1
        name: %s
        manifests: {paths: [k8s]}
        services:
          postgres: {service-name: orders-db}
          rabbitmq: {enabled: false}
        policies:
          guardrails: {probes: Deny, name-label: Deny}
        monitoring: {enabled: true}
        readiness: {timeout: 3m}
        """
                    .formatted(NAME)));
    engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))),
            dir.resolve("state"));
    engine.down(NAME, false, ProgressListener.NONE);
    sandbox = engine.up(stack, UpOptions.defaults(), ProgressListener.NONE);
    // alpine:3.17 as the image map sees it (the local busybox in CI), loaded by `up` for the app
    busybox = engine.imageMap(stack).apply("alpine:3.17");
  }

  @AfterAll
  static void down() {
    if (sandbox != null) {
      sandbox.close();
    }
    if (engine != null) {
      engine.down(NAME, false, ProgressListener.NONE);
    }
  }

  @Nested
  @DisplayName("with every guardrail set to Deny")
  class Guardrails {

    static Stream<Arguments> violations() {
      return Stream.of(
          Arguments.of(
              "sandbox-resources",
              "no-limits",
              container(c -> c.getResources().setLimits(Map.of())),
              "every container needs resources.requests (cpu, memory) and resources.limits (memory)"),
          Arguments.of(
              "sandbox-image-tag",
              "latest-tag",
              container(c -> c.setImage("registry.example/app:latest")),
              "images must carry a tag other than :latest (or a digest): registry.example/app:latest"),
          Arguments.of(
              "sandbox-image-tag",
              "untagged",
              container(c -> c.setImage("registry.example:5000/app")),
              "images must carry a tag other than :latest (or a digest): registry.example:5000/app"),
          Arguments.of(
              "sandbox-probes",
              "no-liveness",
              container(c -> c.setLivenessProbe(null)),
              "every container needs a livenessProbe and a readinessProbe"),
          Arguments.of(
              "sandbox-name-label",
              "no-name-label",
              (Consumer<Deployment>) d -> d.getMetadata().setLabels(Map.of("team", "orders")),
              "the workload needs the label app.kubernetes.io/name"));
    }

    @ParameterizedTest(name = "{0} denies deployment {1}")
    @MethodSource("violations")
    @DisplayName(
        "a Deployment breaking one guardrail is denied with that policy's name and message")
    void denies(String policy, String name, Consumer<Deployment> violation, String message) {
      Deployment deployment = compliant(name);
      violation.accept(deployment);

      assertThatThrownBy(() -> sandbox.client().resource(deployment).serverSideApply())
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(422);
                assertThat(e.getMessage())
                    .contains(
                        "ValidatingAdmissionPolicy '"
                            + policy
                            + "' with binding '"
                            + policy
                            + "' denied request: "
                            + message);
                GUARDRAILS.stream()
                    .filter(other -> !other.equals(policy))
                    .forEach(other -> assertThat(e.getMessage()).doesNotContain(other));
              });
      assertThat(deployments().withName(name).get()).isNull();
    }

    @Test
    @DisplayName("a Deployment meeting every guardrail is admitted and rolls out")
    void admits_a_compliant_deployment() {
      Deployment admitted = sandbox.client().resource(compliant("compliant")).serverSideApply();
      try {
        assertThat(admitted.getMetadata().getUid()).isNotBlank();
        deployments()
            .withName("compliant")
            .waitUntilCondition(
                d ->
                    d != null
                        && d.getStatus() != null
                        && Integer.valueOf(1).equals(d.getStatus().getReadyReplicas()),
                90,
                TimeUnit.SECONDS);
      } finally {
        deployments().withName("compliant").delete();
      }
    }

    @Test
    @DisplayName("the sandbox's own Prometheus passes them and runs")
    void admits_the_monitoring_pack() {
      assertThat(
              sandbox
                  .client()
                  .apps()
                  .deployments()
                  .inNamespace("sandbox-monitoring")
                  .withName("prometheus")
                  .get()
                  .getStatus()
                  .getReadyReplicas())
          .isEqualTo(1);
    }
  }

  @Nested
  @DisplayName("with the network pack, egress to the wired PostgreSQL")
  class EgressToPostgres {

    @Test
    @DisplayName(
        "is dropped without an allowing NetworkPolicy, and flows once an ipBlock rule for its port exists")
    void needs_an_ip_block_rule_for_the_port() {
      KubernetesClient k8s = sandbox.client();
      try {
        Pod denied = runToCompletion(connectPod("db-denied"));
        // "timed out", not "bad address": DNS answered, the connection itself was dropped
        assertThat(denied.getStatus().getPhase()).as(logs("db-denied")).isEqualTo("Failed");
        assertThat(logs("db-denied")).contains("timed out");

        // what the README tells users to write for a service the sandbox wires in
        k8s.resource(
                new NetworkPolicyBuilder()
                    .withNewMetadata()
                    .withName("db-client-egress")
                    .withNamespace(NAMESPACE)
                    .endMetadata()
                    .withNewSpec()
                    .withNewPodSelector()
                    .addToMatchLabels("db-client", "true")
                    .endPodSelector()
                    .withPolicyTypes("Egress")
                    .addNewEgress()
                    .addNewTo()
                    .withNewIpBlock()
                    .withCidr("0.0.0.0/0")
                    .endIpBlock()
                    .endTo()
                    .addNewPort()
                    .withProtocol("TCP")
                    .withNewPort(5432)
                    .endPort()
                    .endEgress()
                    .endSpec()
                    .build())
            .serverSideApply();

        Pod allowed = runToCompletion(connectPod("db-allowed"));
        assertThat(allowed.getStatus().getPhase()).as(logs("db-allowed")).isEqualTo("Succeeded");
      } finally {
        k8s.pods().inNamespace(NAMESPACE).withName("db-denied").withGracePeriod(0).delete();
        k8s.pods().inNamespace(NAMESPACE).withName("db-allowed").withGracePeriod(0).delete();
        k8s.network()
            .v1()
            .networkPolicies()
            .inNamespace(NAMESPACE)
            .withName("db-client-egress")
            .delete();
      }
    }

    private Pod runToCompletion(Pod pod) {
      sandbox.client().resource(pod).create();
      return sandbox
          .client()
          .pods()
          .inNamespace(NAMESPACE)
          .withName(pod.getMetadata().getName())
          .waitUntilCondition(
              p ->
                  p != null
                      && p.getStatus() != null
                      && List.of("Succeeded", "Failed").contains(p.getStatus().getPhase()),
              90,
              TimeUnit.SECONDS);
    }

    private String logs(String pod) {
      return sandbox.client().pods().inNamespace(NAMESPACE).withName(pod).getLog();
    }
  }

  private static NonNamespaceOperation<
          Deployment, DeploymentList, RollableScalableResource<Deployment>>
      deployments() {
    return sandbox.client().apps().deployments().inNamespace(NAMESPACE);
  }

  /** A Deployment that meets every guardrail and Pod Security "restricted". */
  private static Deployment compliant(String name) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .addToLabels("app.kubernetes.io/name", name)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withTerminationGracePeriodSeconds(0L)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(10001L)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .addNewContainer()
        .withName("app")
        .withImage(busybox)
        .withImagePullPolicy("IfNotPresent")
        .withCommand("sleep", "3600")
        .withSecurityContext(restrictedContainer())
        .withResources(small())
        .withNewReadinessProbe()
        .withNewExec()
        .withCommand("true")
        .endExec()
        .endReadinessProbe()
        .withNewLivenessProbe()
        .withNewExec()
        .withCommand("true")
        .endExec()
        .endLivenessProbe()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** What Pod Security "restricted" asks of a container (a fresh object: tests change them). */
  private static SecurityContext restrictedContainer() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }

  /** Requests and a memory limit, as the resources guardrail asks (a fresh object). */
  private static ResourceRequirements small() {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("10m"))
        .addToRequests("memory", new Quantity("16Mi"))
        .addToLimits("memory", new Quantity("32Mi"))
        .build();
  }

  /** A change to the Deployment's only container. */
  private static Consumer<Deployment> container(Consumer<Container> change) {
    return d -> change.accept(d.getSpec().getTemplate().getSpec().getContainers().get(0));
  }

  /**
   * A pod that tries one TCP connection to orders-db:5432 and exits with its outcome. The pause
   * first gives the cluster's policy agent time to program the new pod's rules, which it does once
   * the pod has an address.
   */
  private static Pod connectPod(String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .addToLabels("db-client", "true")
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withTerminationGracePeriodSeconds(0L)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(65534L)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .addNewContainer()
        .withName("nc")
        .withImage(busybox)
        .withImagePullPolicy("IfNotPresent")
        .withCommand("sh", "-c", "sleep 3; nc -w 3 orders-db 5432 </dev/null")
        .withSecurityContext(restrictedContainer())
        .withResources(small())
        .endContainer()
        .endSpec()
        .build();
  }
}
