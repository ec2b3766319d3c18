package dev.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxEngine;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/**
 * up -> status --json -> env -> logs -> apply -> down, through the CLI, against real containers.
 */
class CliEndToEndIT {

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("SANDBOX_HOME", dir.resolve("state").toString());
    env.remove("SANDBOX_NAME");
    env.remove("SANDBOX_FILE");
    Environment environment = new Environment(env, dir.resolve("home"), dir, false);
    int code =
        Cli.create(environment, new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void a_developer_day_from_up_to_down() throws Exception {
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException("CliEndToEndIT needs a Docker engine");
    }
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(
        dir.resolve("k8s/web.yaml"),
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
                - name: httpd
                  image: alpine:3.17
                  imagePullPolicy: IfNotPresent
                  command: [sh, -c, "echo web-started; mkdir -p /www; echo hi > /www/index.html; httpd -f -p 8080 -h /www"]
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: reader, namespace: default}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: pod-reader, namespace: default}
        rules:
          - {apiGroups: [""], resources: [pods], verbs: [get, list]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: reader-reads-pods, namespace: default}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
        subjects:
          - {kind: ServiceAccount, name: reader, namespace: default}
        """);
    Files.writeString(
        dir.resolve("sandbox.yaml"),
        """
        version: 1
        name: it-cli
        manifests: {paths: [k8s]}
        policies: {packs: []}
        readiness: {timeout: 3m}
        """);
    try {
      Run up = run("up");
      assertThat(up.code()).as(up.err()).isZero();
      assertThat(up.out())
          .contains("Sandbox 'it-cli' is ready.", "kubeconfig", "jdbc:postgresql://127.0.0.1:")
          .contains("ok deployment/default/web");
      assertThat(up.out()).doesNotContain(password(run("env", "--json").out()));

      Run status = run("status", "--json");
      assertThat(status.code()).isZero();
      JsonNode json = new ObjectMapper().readTree(status.out());
      assertThat(json.get("name").asText()).isEqualTo("it-cli");
      assertThat(json.get("running").asBoolean()).isTrue();
      assertThat(json.get("components"))
          .extracting(c -> c.get("name").asText())
          .containsExactly("k3s", "postgres", "rabbitmq");
      assertThat(json.get("components").get(1).get("ports").get("5432").asInt()).isPositive();
      JsonNode web = null;
      for (JsonNode workload : json.get("workloads")) {
        if (workload.get("name").asText().equals("web")) {
          web = workload;
        }
      }
      assertThat(web).as(status.out()).isNotNull();
      assertThat(web.get("kind").asText()).isEqualTo("Deployment");
      assertThat(web.get("name").asText()).isEqualTo("web");
      assertThat(web.get("ready").asInt()).isEqualTo(1);
      assertThat(web.get("desired").asInt()).isEqualTo(1);

      Run env = run("env");
      assertThat(env.code()).isZero();
      assertThat(env.out())
          .contains(
              "export KUBECONFIG='" + dir.resolve("state/it-cli/kubeconfig") + "'",
              "export DATABASE_URL='postgresql://sandbox:",
              "export AMQP_URL='amqp://sandbox:",
              "export PROMETHEUS_URL='http://127.0.0.1:");
      // the monitoring pack's Prometheus answers on the published URL, no port-forward running
      String prometheus =
          new ObjectMapper().readTree(run("env", "--json").out()).get("PROMETHEUS_URL").asText();
      var ready =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(java.net.URI.create(prometheus + "/-/ready"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);

      Run logs = run("logs");
      assertThat(logs.code()).isZero();
      assertThat(logs.out()).containsPattern("web-[a-z0-9]+-[a-z0-9]+/httpd web-started");

      // acting as the application's ServiceAccount: what its Role allows, and nothing more
      String reader = "system:serviceaccount:default:reader";
      Run may = run("can-i", "list", "pods", "-n", "default", "--as", reader);
      assertThat(may.code()).as(may.err()).isZero();
      assertThat(may.out().strip()).isEqualTo("yes");
      Run mayNot = run("can-i", "delete", "pods", "-n", "default", "--as", reader);
      assertThat(mayNot.code()).as(mayNot.err()).isEqualTo(1);
      assertThat(mayNot.out().strip()).isEqualTo("no");
      assertThat(run("can-i", "get", "pods", "-n", "default", "--as", "jane").out().strip())
          .isEqualTo("no");
      try (Sandbox sandbox =
              new SandboxEngine(
                      SandboxConfig.fromEnvironment(System.getenv(), dir.resolve("home")),
                      dir.resolve("state"))
                  .attach("it-cli");
          KubernetesClient asReader = sandbox.clientAs("default", "reader")) {
        assertThat(asReader.pods().inNamespace("default").list().getItems()).isNotEmpty();
        assertThatThrownBy(() -> asReader.secrets().inNamespace("default").list())
            .isInstanceOfSatisfying(
                KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
      }

      Run apply = run("apply");
      assertThat(apply.code()).as(apply.err()).isZero();
      assertThat(apply.out()).contains("Applied to sandbox 'it-cli'.");

      Run again = run("up", "--no-reuse");
      assertThat(again.code()).isEqualTo(1);
      assertThat(again.err()).contains("A sandbox named 'it-cli' already exists");
    } finally {
      Run down = run("down");
      assertThat(down.code()).isZero();
      assertThat(down.out())
          .contains("Sandbox 'it-cli' is down; its node's image store is kept for the next up");
    }
    // down keeps only the node's image store; the next up of the name imports nothing twice
    assertThat(volumes()).extracting(v -> v.getName()).containsExactly("sandbox-it-cli-images");
    Run doctor = run("doctor");
    assertThat(doctor.out())
        .containsPattern("image store +sandbox-it-cli-images \\([0-9]+ MiB\\), kept for the next");
    try {
      Run morningAfter = run("up");
      assertThat(morningAfter.code()).as(morningAfter.out() + morningAfter.err()).isZero();
      assertThat(morningAfter.out())
          .as(morningAfter.out())
          .contains("already loaded (kept in the node's image store)")
          .contains("Sandbox 'it-cli' is ready.");
    } finally {
      Run purge = run("down", "--purge");
      assertThat(purge.code()).isZero();
      assertThat(purge.out())
          .contains("removed volume sandbox-it-cli-images", "Sandbox 'it-cli' is down.");
    }
    assertThat(
            DockerClientFactory.instance()
                .client()
                .listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of("dev.sandbox.name", "it-cli"))
                .exec())
        .isEmpty();
    assertThat(
            DockerClientFactory.instance()
                .client()
                .listNetworksCmd()
                .withFilter("label", java.util.List.of("dev.sandbox.name=it-cli"))
                .exec())
        .isEmpty();
    assertThat(volumes()).isNullOrEmpty();
    Run status = run("status");
    assertThat(status.code()).isEqualTo(4);

    // the purged store's images stay in the machine's image seed: the store of a name never
    // started here begins as a copy of it, so its node imports nothing the seed holds
    assertThat(run("doctor").out()).containsPattern("image seed +sandbox-image-seed-[0-9a-f]{12} ");
    try {
      Run seeded = run("up", "--name", "it-cli-seeded");
      assertThat(seeded.code()).as(seeded.out() + seeded.err()).isZero();
      assertThat(seeded.out())
          .as(seeded.out())
          .contains("the node's image store starts from the machine's image seed")
          .contains("already loaded (kept in the node's image store)")
          .contains("Sandbox 'it-cli-seeded' is ready.");
    } finally {
      Run purge = run("down", "--purge", "--name", "it-cli-seeded");
      assertThat(purge.code()).as(purge.out() + purge.err()).isZero();
    }
  }

  /** The volumes labelled as sandbox it-cli's (null when there are none, as Docker reports it). */
  private static java.util.List<com.github.dockerjava.api.command.InspectVolumeResponse> volumes() {
    return DockerClientFactory.instance()
        .client()
        .listVolumesCmd()
        .withFilter("label", java.util.List.of("dev.sandbox.name=it-cli"))
        .exec()
        .getVolumes();
  }

  private static String password(String envJson) throws IOException {
    return new ObjectMapper().readTree(envJson).get("PGPASSWORD").asText();
  }
}
