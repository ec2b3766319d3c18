package dev.sandbox.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.manifest.Manifest;
import dev.sandbox.service.ClusterBinding;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StandInsTest {

  private static final ClusterBinding DB =
      new ClusterBinding(
          "PostgreSQL",
          "orders-db",
          "10.0.0.2",
          Map.of("postgresql", 5432),
          "orders-db-credentials",
          Map.of());

  private static Manifest manifest(String yaml) {
    return new Manifest(
        "k8s/db.yml",
        0,
        new KubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class));
  }

  private static final Manifest DEPLOYMENT =
      manifest(
          """
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: orders-db}
          spec:
            selector: {matchLabels: {app: orders-db}}
            template: {metadata: {labels: {app: orders-db, tier: db}}}
          """);
  private static final Manifest SERVICE =
      manifest(
          """
          apiVersion: v1
          kind: Service
          metadata: {name: orders-db}
          spec: {selector: {app: orders-db}}
          """);
  private static final Manifest SECRET =
      manifest(
          """
          apiVersion: v1
          kind: Secret
          metadata: {name: orders-db-credentials}
          """);
  private static final Manifest APP =
      manifest(
          """
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: orders}
          spec: {template: {metadata: {labels: {app: orders}}}}
          """);
  private static final Manifest ELSEWHERE =
      manifest(
          """
          apiVersion: v1
          kind: Service
          metadata: {name: orders-db, namespace: other}
          """);

  @Test
  @DisplayName(
      "the manifest's Service and Secret with the wired names and the workload behind that Service clash")
  void clashes_by_name_and_selector() {
    var clashes =
        StandIns.clashes(
            List.of(APP, DEPLOYMENT, SERVICE, SECRET, ELSEWHERE), List.of(DB), List.of());
    assertThat(clashes).hasSize(2);
    assertThat(clashes.get(0).namespace()).isEqualTo("default");
    assertThat(clashes.get(0).objects()).containsExactlyInAnyOrder(SERVICE, SECRET, DEPLOYMENT);
    assertThat(clashes.get(1).namespace()).isEqualTo("other");
    assertThat(clashes.get(1).objects()).containsExactly(ELSEWHERE);
  }

  @Test
  @DisplayName("wiring confined to a namespace clashes only there; unrelated objects never clash")
  void confined_and_unrelated() {
    assertThat(StandIns.clashes(List.of(SERVICE, ELSEWHERE), List.of(DB), List.of("other")))
        .singleElement()
        .satisfies(clash -> assertThat(clash.namespace()).isEqualTo("other"));
    assertThat(StandIns.clashes(List.of(APP), List.of(DB), List.of())).isEmpty();
  }
}
