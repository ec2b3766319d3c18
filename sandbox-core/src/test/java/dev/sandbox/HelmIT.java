package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import dev.sandbox.testing.TestFiles;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Helm chart with production values, end to end against the real k3s with every policy pack:
 * rendered in-process, its image rewritten by the image map and loaded, applied into the release
 * namespace, ready; an edited chart's removed template removes its object on {@code apply}; a chart
 * that breaks a guardrail is denied as plain YAML is.
 */
@RequiresDocker
class HelmIT {

  @TempDir Path dir;

  private final List<String> events = new CopyOnWriteArrayList<>();
  private final ProgressListener listener = event -> events.add(event.message());

  private Stack stack() throws IOException {
    return StackLoader.load(
        Files.writeString(
            dir.resolve("sandbox.yaml"),
            """
            version: 1
            name: it-helm
            manifests:
              helm:
                - release: shop
                  chart: chart
                  namespace: shop
                  values: [chart/values-prod.yaml, chart/values-eu.yaml]
                  set:
                    greeting: from-set
            services:
              postgres: {enabled: false}
              rabbitmq: {enabled: false}
            monitoring: {enabled: false}
            readiness: {timeout: 3m}
            """));
  }

  @Test
  @DisplayName("a chart with two values files and a set override comes up, is pruned, is judged")
  void a_chart_with_production_values_end_to_end() throws Exception {
    TestFiles.copyResource("/helm/web", dir.resolve("chart"));
    SandboxConfig config =
        SandboxConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    SandboxEngine engine = new SandboxEngine(config, dir.resolve("state"));
    Stack stack = stack();
    try (Sandbox sandbox = engine.up(stack, UpOptions.defaults(), listener)) {
      KubernetesClient k8s = sandbox.client();
      Deployment web = k8s.apps().deployments().inNamespace("shop").withName("shop-web").get();
      assertThat(web.getStatus().getReadyReplicas()).isEqualTo(2); // values-prod.yaml
      Container container = web.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(container.getEnv())
          .anySatisfy(
              e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("GREETING=from-set"))
          .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("REGION=eu"));
      // the chart's image, as the image map (the local stand-in in CI) names it, loaded
      assertThat(container.getImage()).isEqualTo(engine.imageMap(stack).apply("alpine:3.17"));
      // the subchart in charts/, with the parent's production value
      assertThat(k8s.configMaps().inNamespace("shop").withName("shop-audit").get().getData())
          .containsEntry("level", "info");
      // the pre-install hook applied; the test hook listed as skipped, not applied
      assertThat(k8s.configMaps().inNamespace("shop").withName("shop-pre-install").get())
          .isNotNull();
      assertThat(k8s.pods().inNamespace("shop").withName("shop-test").get()).isNull();
      assertThat(events)
          .anySatisfy(
              e -> assertThat(e).contains("skipped hook pod/shop-test (helm.sh/hook: test)"));
      // the release namespace is guarded like any other
      assertThat(k8s.namespaces().withName("shop").get().getMetadata().getLabels())
          .containsEntry("pod-security.kubernetes.io/enforce", "restricted");

      // a template removed from the chart: `apply` removes its object, keeps the rest
      assertThat(k8s.configMaps().inNamespace("shop").withName("shop-settings").get()).isNotNull();
      Files.delete(dir.resolve("chart/templates/settings.yaml"));
      events.clear();
      engine.apply(stack, false, listener);
      assertThat(k8s.configMaps().inNamespace("shop").withName("shop-settings").get()).isNull();
      assertThat(k8s.apps().deployments().inNamespace("shop").withName("shop-web").get())
          .isNotNull();
      assertThat(events)
          .anySatisfy(
              e ->
                  assertThat(e)
                      .contains("removed configmap/shop/shop-settings (no longer in release shop"));

      // values that drop the resources: denied by the guardrail, with the template as the source
      Stack noResources =
          StackLoader.load(
              Files.writeString(
                  dir.resolve("sandbox.yaml"),
                  Files.readString(dir.resolve("sandbox.yaml"))
                      .replace(
                          "greeting: from-set",
                          "greeting: from-set\n        resources.enabled: 'false'")));
      assertThatThrownBy(() -> engine.apply(noResources, false, ProgressListener.NONE))
          .isInstanceOf(SandboxException.PolicyViolations.class)
          .satisfies(
              e ->
                  assertThat(((SandboxException.PolicyViolations) e).violations())
                      .anySatisfy(
                          v -> {
                            assertThat(v.policy()).isEqualTo("sandbox-resources");
                            assertThat(v.workload()).contains("shop-web");
                            assertThat(v.source()).contains("chart/templates/deployment.yaml");
                          }));
    } finally {
      engine.down("it-helm", false, ProgressListener.NONE);
    }
  }
}
