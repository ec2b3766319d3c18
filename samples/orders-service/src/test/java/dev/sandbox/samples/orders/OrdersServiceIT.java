package dev.sandbox.samples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.sandbox.ProgressListener;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import dev.sandbox.junit.WithCluster;
import dev.sandbox.monitoring.Prometheus;
import dev.sandbox.postgres.PostgresEndpoint;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The orders service as production runs it: its image, its production YAML (with the restricted
 * security context and the default-deny NetworkPolicies), PostgreSQL and RabbitMQ behind the
 * Service names and Secrets production uses. Everything goes through the cluster.
 */
@WithCluster(stack = "sandbox.yaml")
class OrdersServiceIT {

  /**
   * The production namespace {@code orders}, as the sandbox runs it: itself on the local node, the
   * sandbox's own namespace standing for it on a shared cluster (SANDBOX_CONTEXT).
   */
  private static String namespace = "orders";

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");
  private static final Pattern CREATED =
      Pattern.compile("(?m)^orders_created_total\\s+(\\d+(?:\\.\\d+)?)$");
  private static final String SCRAPED =
      "up{job=\"kubernetes-pods\",namespace=\"orders\",app=\"orders-service\"}";
  private static final String CREATED_IN_PROMETHEUS =
      "orders_created_total{namespace=\"orders\",app=\"orders-service\"}";
  private static final String PROBE_LABEL = "orders-it-probe";
  private static final int CONTAINER_PORT = 8080;

  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void startClientPods(Sandbox sandbox) {
    namespace = sandbox.namespace("orders");
    KubernetesClient k8s = sandbox.client();
    // alpine:3.17 as the image map sees it (a local busybox in CI), loaded into the cluster; a
    // shared cluster pulls it from its registry instead
    SandboxConfig config =
        SandboxConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    String busybox = config.imageMap().apply("alpine:3.17");
    if (!sandbox.onSharedCluster()) {
      new SandboxEngine(config, stateRoot())
          .load(sandbox.name(), List.of(busybox), ProgressListener.NONE);
    }

    // Test scaffolding, not production YAML: the namespace denies all egress, so the probe pods
    // may reach DNS and the service; what is left to decide is the service's ingress policy.
    NetworkPolicy probeEgress =
        new NetworkPolicyBuilder()
            .withNewMetadata()
            .withName("it-probe-egress")
            .withNamespace(namespace)
            .endMetadata()
            .withNewSpec()
            .withNewPodSelector()
            .addToMatchLabels(PROBE_LABEL, "true")
            .endPodSelector()
            .withPolicyTypes("Egress")
            .addNewEgress()
            .addNewTo()
            .withNewNamespaceSelector()
            .addToMatchLabels("kubernetes.io/metadata.name", "kube-system")
            .endNamespaceSelector()
            .endTo()
            .addNewPort()
            .withProtocol("UDP")
            .withNewPort(53)
            .endPort()
            .addNewPort()
            .withProtocol("TCP")
            .withNewPort(53)
            .endPort()
            .endEgress()
            .addNewEgress()
            .addNewTo()
            .withNewPodSelector()
            .addToMatchLabels("app.kubernetes.io/name", "orders-service")
            .endPodSelector()
            .endTo()
            .addNewPort()
            .withProtocol("TCP")
            .withNewPort(8080)
            .endPort()
            .endEgress()
            .endSpec()
            .build();
    k8s.resource(probeEgress).serverSideApply();
    k8s.resource(probePod("it-client", busybox, true)).serverSideApply();
    k8s.resource(probePod("it-stranger", busybox, false)).serverSideApply();
    for (String pod : List.of("it-client", "it-stranger")) {
      k8s.pods().inNamespace(namespace).withName(pod).waitUntilReady(2, TimeUnit.MINUTES);
    }
  }

  @AfterAll
  static void removeClientPods(Sandbox sandbox) {
    KubernetesClient k8s = sandbox.client();
    k8s.pods().inNamespace(namespace).withName("it-client").withGracePeriod(0).delete();
    k8s.pods().inNamespace(namespace).withName("it-stranger").withGracePeriod(0).delete();
    k8s.network()
        .v1()
        .networkPolicies()
        .inNamespace(namespace)
        .withName("it-probe-egress")
        .delete();
  }

  @Test
  void an_order_is_stored_confirmed_and_counted(Sandbox sandbox, PostgresEndpoint db)
      throws Exception {
    // Through the Service (port 80, forwarded like `kubectl port-forward svc/orders-service 80`)
    URI api = sandbox.serviceUrl(namespace, "orders-service", 80);
    createdTotal(api); // /metrics answers through the Service, in the text format
    double createdBefore = createdTotalOverPods(sandbox);

    HttpResponse<String> created = createOrder(api);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.body()).contains("\"item\":\"book\"").contains("\"quantity\":2");
    Matcher idMatch = ID.matcher(created.body());
    assertThat(idMatch.find()).as(created.body()).isTrue();
    long id = Long.parseLong(idMatch.group(1));
    assertThat(created.headers().firstValue("Location")).hasValue("/orders/" + id);

    // the row, straight from PostgreSQL on the host
    try (Connection connection =
            DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
        PreparedStatement query =
            connection.prepareStatement("select item, quantity from orders where id = ?")) {
      query.setLong(1, id);
      try (ResultSet row = query.executeQuery()) {
        assertThat(row.next()).as("order %d in the orders table", id).isTrue();
        assertThat(row.getString("item")).isEqualTo("book");
        assertThat(row.getInt("quantity")).isEqualTo(2);
      }
    }

    // the order.created event went through RabbitMQ and came back as a confirmation
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              HttpResponse<String> order =
                  http.send(
                      HttpRequest.newBuilder(api.resolve("/orders/" + id))
                          .timeout(Duration.ofSeconds(5))
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              assertThat(order.statusCode()).isEqualTo(200);
              assertThat(order.body()).contains("\"status\":\"CONFIRMED\"");
            });

    assertThat(createdTotalOverPods(sandbox)).isGreaterThanOrEqualTo(createdBefore + 1);
  }

  @Test
  void prometheus_scrapes_both_replicas_and_sees_the_created_counter_rise(Sandbox sandbox)
      throws Exception {
    assumeFalse(
        sandbox.onSharedCluster(),
        "the monitoring pack is left out on a shared cluster: the cluster's own monitoring scrapes"
            + " the sandbox's pods");
    Prometheus prometheus = sandbox.prometheus();
    // the pods' annotations lead Prometheus to them; the ingress NetworkPolicy lets it in
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(prometheus.query(SCRAPED))
                    .as("up of the orders-service pods")
                    .hasSize(2)
                    .allSatisfy(up -> assertThat(up.value()).isEqualTo(1.0)));

    // read from the pods themselves: Prometheus can only lag behind this, never lead it
    double before = createdTotalOverPods(sandbox);
    HttpResponse<String> created = createOrder(sandbox.serviceUrl(namespace, "orders-service", 80));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(prometheus.sum(CREATED_IN_PROMETHEUS))
                    .isGreaterThanOrEqualTo(before + 1));
  }

  @Test
  void the_public_api_answers_through_the_production_ingress(Sandbox sandbox) throws Exception {
    assumeFalse(
        sandbox.onSharedCluster(),
        "on a shared cluster the Ingress is served by that cluster's ingress controller, not on"
            + " 127.0.0.1");
    // the Ingress from k8s/base, served by k3s's Traefik; the NetworkPolicy lets only it in
    HttpClient viaIngress = sandbox.ingressClient();
    URI orders = sandbox.ingressUrl("orders.example.com", "/orders");
    HttpResponse<String> created =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofSeconds(1))
            .ignoreExceptions()
            .until(
                () ->
                    viaIngress.send(
                        HttpRequest.newBuilder(orders)
                            .header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(10))
                            .POST(
                                HttpRequest.BodyPublishers.ofString(
                                    "{\"item\":\"pen\",\"quantity\":1}"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString()),
                response -> response.statusCode() == 201);
    assertThat(created.body()).contains("\"item\":\"pen\"");
    // only /orders is published: the rest of the service (its /metrics) is not
    HttpResponse<String> metrics =
        viaIngress.send(
            HttpRequest.newBuilder(sandbox.ingressUrl("orders.example.com", "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(404);
  }

  @Test
  void only_pods_labelled_as_clients_reach_the_service(Sandbox sandbox) {
    KubernetesClient k8s = sandbox.client();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ExecResult client = wget(k8s, "it-client");
              assertThat(client.exitCode()).as(client.toString()).isZero();
              assertThat(client.output()).contains("\"status\":\"UP\"");
            });
    ExecResult stranger = wget(k8s, "it-stranger");
    assertThat(stranger.exitCode()).as(stranger.toString()).isNotZero();
    assertThat(stranger.output()).doesNotContain("\"status\":\"UP\"");
  }

  private static HttpResponse<String> createOrder(URI api) throws Exception {
    return http.send(
        HttpRequest.newBuilder(api.resolve("/orders"))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString("{\"item\":\"book\",\"quantity\":2}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static double createdTotal(URI api) throws Exception {
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(api.resolve("/metrics")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    Matcher matcher = CREATED.matcher(metrics.body());
    assertThat(matcher.find()).as(metrics.body()).isTrue();
    return Double.parseDouble(matcher.group(1));
  }

  /**
   * {@code orders_created_total} summed over the replicas: each pod counts its own requests, and
   * the Service sends a request to either, so each pod is read through its own port-forward.
   */
  private static double createdTotalOverPods(Sandbox sandbox) throws Exception {
    double sum = 0;
    for (Pod pod :
        sandbox
            .client()
            .pods()
            .inNamespace(namespace)
            .withLabel("app.kubernetes.io/name", "orders-service")
            .list()
            .getItems()) {
      try (LocalPortForward forward =
          sandbox
              .client()
              .pods()
              .inNamespace(namespace)
              .withName(pod.getMetadata().getName())
              .portForward(CONTAINER_PORT, InetAddress.getLoopbackAddress(), 0)) {
        sum += createdTotal(URI.create("http://127.0.0.1:" + forward.getLocalPort()));
      }
    }
    return sum;
  }

  private static ExecResult wget(KubernetesClient k8s, String pod) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ExecWatch exec =
        k8s.pods()
            .inNamespace(namespace)
            .withName(pod)
            .writingOutput(out)
            .writingError(err)
            .exec("timeout", "5", "wget", "-q", "-O", "-", "http://orders-service/health/live")) {
      int code = exec.exitCode().get(20, TimeUnit.SECONDS);
      return new ExecResult(code, out.toString() + err);
    } catch (Exception e) {
      throw new AssertionError("exec in pod " + pod + " failed", e);
    }
  }

  private record ExecResult(int exitCode, String output) {}

  private static Pod probePod(String name, String image, boolean client) {
    Map<String, String> labels =
        client ? Map.of(PROBE_LABEL, "true", "orders-client", "true") : Map.of(PROBE_LABEL, "true");
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
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
        .withName("probe")
        .withImage(image)
        .withImagePullPolicy("IfNotPresent")
        .withCommand("sleep", "3600")
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .endSecurityContext()
        .withNewResources()
        .addToRequests("cpu", new Quantity("10m"))
        .addToRequests("memory", new Quantity("16Mi"))
        .addToLimits("cpu", new Quantity("100m"))
        .addToLimits("memory", new Quantity("32Mi"))
        .endResources()
        .endContainer()
        .endSpec()
        .build();
  }

  private static Path stateRoot() {
    String custom = System.getenv("SANDBOX_HOME");
    return custom != null && !custom.isBlank()
        ? Path.of(custom)
        : Path.of(System.getProperty("user.home"), ".sandbox");
  }
}
