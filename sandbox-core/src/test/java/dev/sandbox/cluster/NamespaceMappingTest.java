package dev.sandbox.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.SandboxException;
import dev.sandbox.manifest.Manifest;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NamespaceMappingTest {

  private static final Tenancy TENANCY =
      new Tenancy("orders", "orders-ab12c", "dev@laptop", Map.of("billing", "team-billing"));

  private static Manifest object(String yaml) {
    Object tree =
        new org.snakeyaml.engine.v2.api.Load(
                org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
            .loadFromString(yaml);
    return new Manifest(
        "app.yaml",
        0,
        new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
            .convertValue(tree, GenericKubernetesResource.class));
  }

  private static NamespaceMapping.Result map(String... yamls) {
    List<Manifest> manifests = new ArrayList<>();
    for (String yaml : yamls) {
      manifests.add(object(yaml));
    }
    Set<String> clusterScoped = Set.of("Namespace", "ClusterRole", "CustomResourceDefinition");
    return NamespaceMapping.apply(manifests, TENANCY, m -> clusterScoped.contains(m.kind()));
  }

  @Test
  void every_namespace_reference_moves_into_the_sandboxs_own() {
    NamespaceMapping.Result result =
        map(
            "{apiVersion: v1, kind: Namespace, metadata: {name: orders}}",
            "{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: orders},"
                + " data: {url: 'http://api.billing.svc.cluster.local:8080/x',"
                + " other: 'http://db.elsewhere.svc:5432', plain: 'orders'}}",
            "{apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding,"
                + " metadata: {name: rb, namespace: orders},"
                + " roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r},"
                + " subjects: [{kind: ServiceAccount, name: app, namespace: billing}]}",
            "{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy,"
                + " metadata: {name: np, namespace: orders}, spec: {podSelector: {},"
                + " ingress: [{from: [{namespaceSelector: {matchLabels:"
                + " {kubernetes.io/metadata.name: billing}}},"
                + " {namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name,"
                + " operator: In, values: [orders, kube-system]}]}}]}]}}",
            "{apiVersion: v1, kind: Service, metadata: {name: api, namespace: billing}}",
            "{apiVersion: v1, kind: ConfigMap, metadata: {name: nowhere}}");
    assertThat(result.namespaces())
        .containsEntry("orders", "orders-ab12c-orders")
        .containsEntry("billing", "team-billing")
        .containsEntry("default", "orders-ab12c-default");
    List<Manifest> objects = result.objects();
    Manifest namespace = objects.get(0);
    assertThat(namespace.name()).isEqualTo("orders-ab12c-orders");
    assertThat(namespace.resource().getMetadata().getLabels())
        .containsEntry(Tenancy.SANDBOX, "orders-ab12c")
        .containsEntry(Tenancy.CREATED, "true");
    String json = Serialization.asJson(objects.stream().map(Manifest::resource).toList());
    assertThat(objects.get(1).namespace()).isEqualTo("orders-ab12c-orders");
    assertThat(json)
        .contains("http://api.team-billing.svc.cluster.local:8080/x")
        .contains("http://db.elsewhere.svc:5432") // not a namespace of the manifests
        .contains("\"plain\":\"orders\"") // a plain word is not a namespace reference
        .contains("\"namespace\":\"team-billing\"")
        .contains("\"kubernetes.io/metadata.name\":\"team-billing\"")
        .contains("[\"orders-ab12c-orders\",\"kube-system\"]");
    assertThat(objects.get(5).namespace()).isEqualTo("orders-ab12c-default");
    assertThat(objects)
        .allSatisfy(
            m ->
                assertThat(m.resource().getMetadata().getLabels())
                    .containsEntry(Tenancy.SANDBOX, "orders-ab12c"));
  }

  @Test
  void only_cluster_dns_names_are_rewritten_and_never_the_api_server_or_system_namespaces() {
    Map<String, String> map = Map.of("orders", "o-1-orders", "default", "o-1-default");
    assertThat(NamespaceMapping.dns("jdbc:postgresql://db.orders.svc:5432/x", map))
        .isEqualTo("jdbc:postgresql://db.o-1-orders.svc:5432/x");
    assertThat(NamespaceMapping.dns("amqp://u:p@mq.orders.svc.cluster.local/vh", map))
        .isEqualTo("amqp://u:p@mq.o-1-orders.svc.cluster.local/vh");
    assertThat(NamespaceMapping.dns("web-0.web.orders.svc.cluster.local", map))
        .isEqualTo("web-0.web.o-1-orders.svc.cluster.local");
    assertThat(NamespaceMapping.dns("https://kubernetes.default.svc:443", map))
        .isEqualTo("https://kubernetes.default.svc:443");
    assertThat(NamespaceMapping.dns("api.default.svc", map)).isEqualTo("api.o-1-default.svc");
    // not host names: a Java class, a word
    assertThat(NamespaceMapping.dns("com.acme.orders.svc.Main", map))
        .isEqualTo("com.acme.orders.svc.Main");
    assertThat(NamespaceMapping.dns("orders.svc", map)).isEqualTo("orders.svc");

    NamespaceMapping.Result result =
        map(
            "{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: kube-system}}",
            "{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy,"
                + " metadata: {name: dns, namespace: orders}, spec: {podSelector: {},"
                + " egress: [{to: [{namespaceSelector: {matchLabels:"
                + " {kubernetes.io/metadata.name: kube-system}}}]}]}}");
    assertThat(result.namespaces()).doesNotContainKey("kube-system");
    assertThat(result.leftOut()).singleElement().asString().contains("cluster's own namespaces");
    assertThat(
            io.fabric8.kubernetes.client.utils.Serialization.asJson(
                result.objects().get(0).resource()))
        .contains("\"kubernetes.io/metadata.name\":\"kube-system\"");
  }

  @Test
  void cluster_scoped_objects_and_pre_created_namespaces_are_left_out_and_said() {
    NamespaceMapping.Result result =
        map(
            "{apiVersion: v1, kind: Namespace, metadata: {name: billing}}",
            "{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: reader}}",
            "{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: billing}}");
    assertThat(result.objects()).extracting(Manifest::kind).containsExactly("ConfigMap");
    assertThat(result.leftOut())
        .hasSize(2)
        .anySatisfy(why -> assertThat(why).contains("team-billing was given pre-created"))
        .anySatisfy(
            why ->
                assertThat(why).contains("ClusterRole/reader").contains("shared by every tenant"));
  }

  @Test
  void a_mapped_name_longer_than_kubernetes_allows_says_how_to_fix_it() {
    Tenancy longName =
        new Tenancy("n", "a-very-long-sandbox-name-for-a-team-abcde", "dev@laptop", Map.of());
    assertThatThrownBy(() -> longName.namespace("a-namespace-with-a-long-name-too"))
        .isInstanceOf(SandboxException.class)
        .hasMessageContaining("longer than the 63 characters")
        .hasMessageContaining("target.namespaces");
  }

  @Test
  void two_users_or_two_state_folders_get_two_ids() {
    var stack = dev.sandbox.stack.StackLoader.embeddedDefault();
    assertThat(Tenancy.of(stack, "/home/a/.sandbox").id())
        .isNotEqualTo(Tenancy.of(stack, "/tmp/ci-42/.sandbox").id())
        .startsWith("sandbox-");
    assertThat(Tenancy.labelValue("Dev User@Host.example")).isEqualTo("dev_user_host.example");
  }
}
