package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.poll.Poll;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Metrics API in the slice: `kubectl top` has numbers, and a HorizontalPodAutoscaler from the
 * manifests scales its Deployment from 1 to 2 replicas while the pod burns CPU — inside its own
 * container, for at most 150 s, no traffic leaves the sandbox.
 */
@RequiresDocker
class AutoscalingIT {

  @TempDir Path dir;

  @Test
  @DisplayName("metrics-server answers and an HPA scales a Deployment from 1 to 2 under CPU load")
  void an_hpa_scales_under_load() throws Exception {
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(
        dir.resolve("k8s/burner.yaml"),
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: burner, namespace: default}
        spec:
          selector: {matchLabels: {app: burner}}
          template:
            metadata: {labels: {app: burner}}
            spec:
              containers:
                - name: burner
                  image: alpine:3.17
                  imagePullPolicy: IfNotPresent
                  # busy for at most 150 s, then idle: the load is bounded in time
                  command: [sh, -c, 'timeout 150 sh -c "while :; do :; done"; exec sleep 3600']
                  resources:
                    requests: {cpu: 50m, memory: 16Mi}
                    limits: {cpu: 200m, memory: 32Mi}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: burner, namespace: default}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: burner}
          minReplicas: 1
          maxReplicas: 2
          metrics:
            - type: Resource
              resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
        """);
    Stack stack =
        StackLoader.load(
            Files.writeString(
                dir.resolve("sandbox.yaml"),
                """
                version: 1
                name: it-autoscaling
                manifests: {paths: [k8s]}
                services:
                  postgres: {enabled: false}
                  rabbitmq: {enabled: false}
                policies: {packs: []}
                monitoring: {enabled: false}
                readiness: {timeout: 3m}
                """));
    SandboxEngine engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))),
            dir.resolve("state"));
    try (Sandbox sandbox = engine.up(stack, UpOptions.defaults(), ProgressListener.NONE)) {
      KubernetesClient k8s = sandbox.client();
      // `kubectl top nodes`: the Metrics API answers with the node's usage
      List<NodeMetrics> nodes =
          Poll.until(
              "node metrics",
              Duration.ofSeconds(120),
              Duration.ofSeconds(2),
              seen -> {
                try {
                  var items = k8s.top().nodes().metrics().getItems();
                  return items.isEmpty() ? null : items;
                } catch (KubernetesClientException e) {
                  seen.is(e.getMessage());
                  return null;
                }
              },
              last -> new IllegalStateException("no node metrics within 120 s: " + last));
      assertThat(nodes.get(0).getUsage()).containsKeys("cpu", "memory");
      // the HPA sees the burning pod above 50 % of its request and adds the second replica
      Integer replicas =
          Poll.until(
              "the HPA to scale burner to 2",
              Duration.ofSeconds(150),
              Duration.ofSeconds(3),
              seen -> {
                var hpa =
                    k8s.autoscaling()
                        .v2()
                        .horizontalPodAutoscalers()
                        .inNamespace("default")
                        .withName("burner")
                        .get();
                var status = hpa == null ? null : hpa.getStatus();
                seen.is(status == null ? "no status" : String.valueOf(status));
                return status != null
                        && status.getDesiredReplicas() != null
                        && status.getDesiredReplicas() >= 2
                    ? status.getDesiredReplicas()
                    : null;
              },
              last -> new IllegalStateException("the HPA did not scale within 150 s: " + last));
      assertThat(replicas).isEqualTo(2);
      Poll.until(
          "burner to run 2 replicas",
          Duration.ofSeconds(60),
          Duration.ofSeconds(2),
          seen -> {
            var deployment =
                k8s.apps().deployments().inNamespace("default").withName("burner").get();
            return Integer.valueOf(2).equals(deployment.getSpec().getReplicas())
                ? Boolean.TRUE
                : null;
          },
          last -> new IllegalStateException("burner was not scaled to 2: " + last));
    } finally {
      engine.down("it-autoscaling", false, ProgressListener.NONE);
    }
  }
}
