package dev.sandbox.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sandbox.ProgressListener;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import dev.sandbox.UpOptions;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prometheus in the cluster: pod discovery by annotation, the team's rules, PromQL from tests. */
@RequiresDocker
class MonitoringPackIT {

  @TempDir Path dir;

  @Test
  void prometheus_scrapes_annotated_pods_loads_the_teams_rules_and_answers_promql()
      throws Exception {
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(
        dir.resolve("k8s/exporter.yaml"),
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: exporter, namespace: default}
        spec:
          selector: {matchLabels: {app: exporter}}
          template:
            metadata:
              labels: {app: exporter}
              annotations: {prometheus.io/scrape: "true", prometheus.io/port: "8080", prometheus.io/path: /metrics}
            spec:
              containers:
                - name: web
                  image: alpine:3.17
                  command: [sh, -c, "mkdir -p /www && printf 'demo_orders_created_total 3\\n' > /www/metrics && httpd -f -p 8080 -h /www"]
        """);
    Files.writeString(
        dir.resolve("alerts.yaml"),
        """
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata: {name: team-alerts}
        spec:
          groups:
            - name: team
              rules:
                - alert: SandboxAlwaysFiring
                  expr: vector(1)
                  labels: {severity: info}
        """);
    var stack =
        StackLoader.load(
            Files.writeString(
                dir.resolve("sandbox.yaml"),
                """
        version: 1
        name: it-monitoring
        manifests: {paths: [k8s]}
        services: {rabbitmq: {enabled: false}}
        policies: {packs: []}
        monitoring: {enabled: true, rules: [alerts.yaml]}
        readiness: {timeout: 3m}
        """));
    SandboxEngine engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))),
            dir.resolve("state"));
    try (Sandbox sandbox = engine.up(stack, UpOptions.defaults(), ProgressListener.NONE)) {
      Prometheus prometheus = sandbox.prometheus();
      // one Prometheus (one HTTP client) per handle, not one per call
      assertThat(sandbox.prometheus()).isSameAs(prometheus);
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(2))
          .untilAsserted(
              () -> {
                assertThat(prometheus.sum("demo_orders_created_total")).isEqualTo(3.0);
                assertThat(prometheus.alerts())
                    .anyMatch(
                        a -> a.name().equals("SandboxAlwaysFiring") && a.state().equals("firing"));
              });
      assertThat(prometheus.query("demo_orders_created_total").get(0).labels())
          .containsEntry("namespace", "default");
      // what `sandbox status` shows: the firing alert, from a fresh handle as the CLI makes one
      assertThat(engine.status("it-monitoring").alerts())
          .anyMatch(a -> a.name().equals("SandboxAlwaysFiring") && a.state().equals("firing"));
      // and the published URL (`sandbox env`'s PROMETHEUS_URL) answers without a port-forward
      assertThat(sandbox.prometheusUrl())
          .hasValueSatisfying(url -> assertThat(url).startsWith("http://127.0.0.1:"));
      // what production ingress rules for scrapes select on (README, "Monitoring pack")
      assertThat(
              sandbox
                  .client()
                  .namespaces()
                  .withName("sandbox-monitoring")
                  .get()
                  .getMetadata()
                  .getLabels())
          .containsEntry("app.kubernetes.io/part-of", "monitoring");
    } finally {
      engine.down("it-monitoring", false, ProgressListener.NONE);
    }
  }
}
