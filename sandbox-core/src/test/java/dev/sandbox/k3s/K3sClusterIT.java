package dev.sandbox.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sandbox.testing.RequiresDocker;
import dev.sandbox.testing.TestImages;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The locally built k3s image under Testcontainers' unmodified K3sContainer, asked for the official
 * name: a real single-node cluster running real pods.
 */
@RequiresDocker
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayName("k3s (local image through the unmodified K3sContainer)")
class K3sClusterIT {

  static final String BUSYBOX = "sandbox-local/alpine:3.17";
  static final String NS = "it";

  static K3sContainer k3s;
  static KubernetesClient client;

  @BeforeAll
  static void startCluster() {
    k3s = new K3sContainer(DockerImageName.parse(TestImages.K3S));
    k3s.start();
    client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml()))
            .build();
    Readiness.awaitCluster(client, Duration.ofMinutes(3), java.time.Instant.EPOCH);
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    K3sNode.importImage(DockerClientFactory.instance().client(), k3s.getContainerId(), BUSYBOX);
  }

  @AfterAll
  static void stopCluster() {
    if (client != null) {
      client.close();
    }
    if (k3s != null) {
      k3s.stop();
    }
  }

  @Test
  @Order(1)
  void the_node_becomes_ready_and_coredns_runs() {
    assertThat(client.nodes().list().getItems()).hasSize(1);
    assertThat(client.nodes().list().getItems().get(0).getStatus().getConditions())
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace("kube-system")
                .withName("coredns")
                .get()
                .getStatus()
                .getAvailableReplicas())
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  @Order(2)
  void a_pod_runs_an_image_loaded_from_the_local_docker_engine() {
    Pod pod =
        client
            .resource(pod("hello", Map.of("app", "hello"), "echo loaded-image-runs; sleep 3600"))
            .create();

    client.resource(pod).waitUntilReady(2, TimeUnit.MINUTES);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(client.pods().inNamespace(NS).withName("hello").getLog())
                    .contains("loaded-image-runs"));
  }

  @Test
  @Order(3)
  void a_pod_resolves_a_service_by_dns_name_and_gets_an_answer() {
    startWebServer();
    client.resource(pod("client", Map.of("role", "client"), "sleep 3600")).create();
    client.pods().inNamespace(NS).withName("client").waitUntilReady(2, TimeUnit.MINUTES);

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(fetch("client", "http://web." + NS + ".svc.cluster.local/"))
                    .matches(f -> f.answered("hello-from-web"), "answered hello-from-web"));
    assertThat(fetch("client", "http://web/"))
        .matches(f -> f.answered("hello-from-web"), "answered hello-from-web");
  }

  @Test
  @Order(4)
  void a_network_policy_blocks_that_traffic_and_a_second_one_allows_it_again() {
    client
        .resource(
            new NetworkPolicyBuilder()
                .withNewMetadata()
                .withName("default-deny")
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withNewPodSelector()
                .endPodSelector()
                .withPolicyTypes("Ingress")
                .endSpec()
                .build())
        .create();

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(fetch("client", "http://web/"))
                    .matches(Fetch::blocked, "blocked (timed out or refused), not broken"));

    client
        .resource(
            new NetworkPolicyBuilder()
                .withNewMetadata()
                .withName("allow-clients")
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withNewPodSelector()
                .addToMatchLabels("app", "web")
                .endPodSelector()
                .addNewIngress()
                .addNewFrom()
                .withNewPodSelector()
                .addToMatchLabels("role", "client")
                .endPodSelector()
                .endFrom()
                .endIngress()
                .withPolicyTypes("Ingress")
                .endSpec()
                .build())
        .create();

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(fetch("client", "http://web/"))
                    .matches(f -> f.answered("hello-from-web"), "answered hello-from-web"));
  }

  @Test
  @Order(5)
  void a_persistent_volume_claim_binds_and_a_pod_writes_to_it() {
    client
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("data")
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("16Mi"))
                .endResources()
                .endSpec()
                .build())
        .create();
    Pod writer =
        new PodBuilder(
                pod(
                    "writer",
                    Map.of("app", "writer"),
                    "echo persisted > /data/proof; cat /data/proof; sleep 3600"))
            .editSpec()
            .editFirstContainer()
            .addNewVolumeMount()
            .withName("data")
            .withMountPath("/data")
            .endVolumeMount()
            .endContainer()
            .addNewVolume()
            .withName("data")
            .withNewPersistentVolumeClaim()
            .withClaimName("data")
            .endPersistentVolumeClaim()
            .endVolume()
            .endSpec()
            .build();
    client.resource(writer).create();

    client.pods().inNamespace(NS).withName("writer").waitUntilReady(3, TimeUnit.MINUTES);
    assertThat(
            client
                .persistentVolumeClaims()
                .inNamespace(NS)
                .withName("data")
                .get()
                .getStatus()
                .getPhase())
        .isEqualTo("Bound");
    Exec proof = exec("writer", "cat", "/data/proof");
    assertThat(proof.exitCode()).as(proof.toString()).isZero();
    assertThat(proof.out()).contains("persisted");
  }

  @Test
  @Order(6)
  @DisplayName("an image the node holds is not imported again; a new image under the same tag is")
  void an_image_is_imported_only_when_the_node_lacks_that_image_id() {
    var docker = DockerClientFactory.instance().client();
    String node = k3s.getContainerId();
    assertThat(K3sNode.importImage(docker, node, BUSYBOX).alreadyLoaded()).isTrue();

    String tag = "sandbox-it/changing:1";
    docker.tagImageCmd(BUSYBOX, "sandbox-it/changing", "1").exec();
    try {
      assertThat(K3sNode.importImage(docker, node, tag).alreadyLoaded()).isFalse();
      assertThat(K3sNode.importImage(docker, node, tag).alreadyLoaded()).isTrue();
      // the same tag now names another image (a rebuilt app): it is imported again
      docker.tagImageCmd(otherLocalImage(), "sandbox-it/changing", "1").exec();
      assertThat(K3sNode.importImage(docker, node, tag).alreadyLoaded()).isFalse();
      assertThat(K3sNode.importImage(docker, node, tag).alreadyLoaded()).isTrue();
    } finally {
      docker.removeImageCmd(tag).withForce(true).exec();
    }
  }

  /**
   * The resource reaper's image as this machine has it (mapped, like every image): small, present.
   */
  private static String otherLocalImage() {
    return org.testcontainers.utility.ImageNameSubstitutor.instance()
        .apply(DockerImageName.parse("testcontainers/ryuk:0.14.0"))
        .asCanonicalNameString();
  }

  private static void startWebServer() {
    client
        .resource(
            pod(
                "web",
                Map.of("app", "web"),
                "mkdir -p /www && echo hello-from-web > /www/index.html && httpd -f -p 8080 -h /www"))
        .create();
    client
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("web")
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .addToSelector("app", "web")
                .addNewPort()
                .withPort(80)
                .withNewTargetPort(8080)
                .endPort()
                .endSpec()
                .build())
        .create();
    client.pods().inNamespace(NS).withName("web").waitUntilReady(2, TimeUnit.MINUTES);
  }

  static Pod pod(String name, Map<String, String> labels, String script) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(0L)
        .addNewContainer()
        .withName("main")
        .withImage(BUSYBOX)
        .withImagePullPolicy("IfNotPresent")
        .withCommand("sh", "-c", script)
        .endContainer()
        .endSpec()
        .build();
  }

  /**
   * What a wget from inside a pod came to: an answer, traffic that is blocked (the request timed
   * out or was refused), or something else — a broken check that must never pass for "blocked".
   */
  record Fetch(int exitCode, String body, String error) {
    boolean answered(String text) {
      return exitCode == 0 && body.contains(text);
    }

    boolean blocked() {
      // 143: busybox timeout's SIGTERM; the others are wget's own words for a dropped or refused
      // connection. A DNS failure ("bad address"), a missing wget (127) or an HTTP error is none.
      return exitCode != 0
          && (exitCode == 143
              || error.contains("timed out")
              || error.contains("Connection refused")
              || error.contains("Connection reset"));
    }
  }

  /** wget from inside a pod with a short timeout; exec itself failing throws. */
  static Fetch fetch(String pod, String url) {
    Exec result = exec(pod, "timeout", "5", "wget", "-T", "3", "-q", "-O", "-", url);
    return new Fetch(result.exitCode(), result.out(), result.err());
  }

  /** A command's exit code and output. */
  record Exec(int exitCode, String out, String err) {}

  /**
   * Runs {@code command} in {@code pod}. A failure of exec itself (no connection, no exit code
   * within 20 s) throws: it says nothing about the cluster's behaviour under test.
   */
  static Exec exec(String pod, String... command) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exitCode;
    try (ExecWatch watch =
        client
            .pods()
            .inNamespace(NS)
            .withName(pod)
            .writingOutput(out)
            .writingError(err)
            .exec(command)) {
      Integer code = watch.exitCode().get(20, TimeUnit.SECONDS);
      if (code == null) {
        throw new IllegalStateException(
            "exec " + String.join(" ", command) + " in pod " + pod + " gave no exit code");
      }
      exitCode = code;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during exec in pod " + pod, e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(
          "exec " + String.join(" ", command) + " in pod " + pod + " failed: " + e, e);
    }
    return new Exec(exitCode, out.toString(), err.toString());
  }
}
