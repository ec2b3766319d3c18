package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pre-check of manifests against real k3s: one sandbox (no PostgreSQL, RabbitMQ, policies or
 * monitoring, to stay light), every case applied into it with {@code sandbox apply}'s engine call.
 * Each failing case proves the message and that nothing of its batch reached the cluster.
 */
@RequiresDocker
@DisplayName("applying manifests checks every object against the cluster first")
class ApplyPrecheckIT {

  static final String NAME = "it-precheck";

  @TempDir static Path dir;

  static SandboxEngine engine;
  static Sandbox sandbox;
  static KubernetesClient client;

  @BeforeAll
  static void startSandbox() throws IOException {
    engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))),
            dir.resolve("state"));
    Stack stack =
        stack(
            "start",
            Map.of(
                "web.yaml",
                """
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  selector: {app: web}
                  ports:
                    - {name: http, port: 80, targetPort: 8080}
                    - {name: metrics, port: 9000}
                """));
    sandbox = engine.up(stack, UpOptions.defaults(), ProgressListener.NONE);
    client = sandbox.client();
  }

  @AfterAll
  static void removeSandbox() {
    if (sandbox != null) {
      sandbox.close();
    }
    if (engine != null) {
      engine.down(NAME, false, ProgressListener.NONE);
    }
  }

  /** A stack file in its own folder {@code case}, applying the folder {@code case/k8s}. */
  static Stack stack(String folder, Map<String, String> files) throws IOException {
    Path root = Files.createDirectories(dir.resolve(folder));
    Path k8s = Files.createDirectories(root.resolve("k8s"));
    for (var file : files.entrySet()) {
      Path target = k8s.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.writeString(target, file.getValue());
    }
    return StackLoader.load(
        Files.writeString(
            root.resolve("sandbox.yaml"),
            """
            version: 1
            name: %s
            manifests:
              paths: [%s]
            services:
              postgres: {enabled: false}
              rabbitmq: {enabled: false}
            policies: {packs: []}
            monitoring: {enabled: false}
            readiness: {timeout: 2m}
            """
                .formatted(
                    NAME,
                    files.keySet().stream().anyMatch(f -> f.contains("/")) ? "k8s/app" : "k8s")));
  }

  static String configMap(String name) {
    return """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: %s}
        data: {a: b}
        """
        .formatted(name);
  }

  static boolean configMapExists(String name) {
    return client.configMaps().inNamespace("default").withName(name).get() != null;
  }

  static void apply(Stack stack) {
    engine.apply(stack, false, ProgressListener.NONE);
  }

  @Nested
  @DisplayName("an unknown kind")
  class UnknownKind {

    @Test
    @DisplayName(
        "without its CRD fails naming file, document and kind, and applies nothing of the batch")
    void fails_before_anything_is_applied() throws IOException {
      Stack stack =
          stack(
              "unknown-kind",
              Map.of(
                  "app.yaml",
                  configMap("before-widget")
                      + """
                      ---
                      apiVersion: example.com/v1
                      kind: Widget
                      metadata: {name: w1}
                      spec: {size: 3}
                      """));

      assertThatThrownBy(() -> apply(stack))
          .isInstanceOf(SandboxException.ManifestApply.class)
          .hasMessageContaining(
              dir.resolve("unknown-kind/k8s/app.yaml")
                  + ", document 2 (Widget/w1): kind Widget (example.com/v1) is not served by the"
                  + " cluster: install its CRD first (add it to manifests), or list it under"
                  + " manifests.exclude-kinds")
          .hasMessageEndingWith("Nothing was applied.");
      assertThat(configMapExists("before-widget")).isFalse();
    }

    @Test
    @DisplayName("is applied when its CRD is among the same manifests, even in an earlier file")
    void is_applied_with_its_crd_from_the_same_manifests() throws IOException {
      Stack stack =
          stack(
              "crd-in-batch",
              Map.of(
                  "a-gadget.yaml",
                  """
                  apiVersion: example.com/v1
                  kind: Gadget
                  metadata: {name: g1}
                  spec: {size: 3}
                  """,
                  "b-crd.yaml",
                  crd("gadgets", "Gadget"),
                  "c-config.yaml",
                  configMap("with-gadget")));

      apply(stack);

      assertThat(
              client
                  .genericKubernetesResources("example.com/v1", "Gadget")
                  .inNamespace("default")
                  .withName("g1")
                  .get())
          .isNotNull();
      assertThat(configMapExists("with-gadget")).isTrue();
    }

    @Test
    @DisplayName(
        "whose CRD is in the manifests but which the CRD's schema rejects applies only the CRD")
    void custom_resource_rejected_by_its_new_crd_applies_only_the_crd() throws IOException {
      Stack stack =
          stack(
              "crd-rejects",
              Map.of(
                  "a-config.yaml",
                  configMap("before-gizmo"),
                  "b-crd.yaml",
                  crd("gizmos", "Gizmo"),
                  "c-gizmo.yaml",
                  """
                  apiVersion: example.com/v1
                  kind: Gizmo
                  metadata: {name: big}
                  spec: {size: large}
                  """));

      assertThatThrownBy(() -> apply(stack))
          .isInstanceOf(SandboxException.ManifestApply.class)
          .hasMessageContaining(
              dir.resolve("crd-rejects/k8s/c-gizmo.yaml")
                  + ", document 1 (Gizmo/big) was rejected by the API server: ")
          .hasMessageContaining("spec.size")
          .hasMessageEndingWith(
              "Only the Namespaces and CustomResourceDefinitions of these manifests were applied.");
      assertThat(configMapExists("before-gizmo")).isFalse();
    }
  }

  @Nested
  @DisplayName("an object the API server rejects")
  class Rejected {

    @Test
    @DisplayName(
        "for an invalid field value names file, document, object and the reason, and applies"
            + " nothing")
    void invalid_field_value() throws IOException {
      Stack stack =
          stack(
              "invalid-field",
              Map.of(
                  "app.yaml",
                  configMap("before-port")
                      + """
                      ---
                      apiVersion: v1
                      kind: Service
                      metadata: {name: bad-port, namespace: default}
                      spec:
                        ports: [{port: 70000}]
                      """));

      assertThatThrownBy(() -> apply(stack))
          .isInstanceOf(SandboxException.ManifestApply.class)
          .hasMessageContaining(
              dir.resolve("invalid-field/k8s/app.yaml")
                  + ", document 2 (Service/default/bad-port) was rejected by the API server: ")
          .hasMessageContaining("Invalid value: 70000")
          .hasMessageNotContaining("PATCH")
          .hasMessageNotContaining("https://");
      assertThat(configMapExists("before-port")).isFalse();
    }

    @Test
    @DisplayName("for an invalid namespace name says so with the API server's reason")
    void invalid_namespace_name() throws IOException {
      Stack stack =
          stack(
              "invalid-namespace",
              Map.of(
                  "app.yaml",
                  configMap("before-namespace")
                      + """
                      ---
                      apiVersion: v1
                      kind: ConfigMap
                      metadata: {name: settings, namespace: Bad_NS}
                      data: {a: b}
                      """));

      assertThatThrownBy(() -> apply(stack))
          .isInstanceOf(SandboxException.ManifestApply.class)
          .hasMessageContaining(
              dir.resolve("invalid-namespace/k8s/app.yaml")
                  + ", document 2 (ConfigMap/Bad_NS/settings) was rejected by the API server: ")
          .hasMessageContaining("Invalid value: \"Bad_NS\"")
          .hasMessageNotContaining("https://");
      assertThat(configMapExists("before-namespace")).isFalse();
    }

    @Test
    @DisplayName("alongside an unknown kind lists both problems at once")
    void several_problems_are_listed_together() throws IOException {
      Stack stack =
          stack(
              "several",
              Map.of(
                  "app.yaml",
                  configMap("before-several")
                      + """
                      ---
                      apiVersion: example.com/v1
                      kind: Widget
                      metadata: {name: w2}
                      ---
                      apiVersion: v1
                      kind: Service
                      metadata: {name: bad-port-2}
                      spec:
                        ports: [{port: 0}]
                      """));

      assertThatThrownBy(() -> apply(stack))
          .isInstanceOf(SandboxException.ManifestApply.class)
          .hasMessageStartingWith("2 objects failed the pre-check against the cluster:")
          .hasMessageContaining("document 2 (Widget/w2): kind Widget (example.com/v1)")
          .hasMessageContaining("document 3 (Service/bad-port-2) was rejected by the API server: ")
          .hasMessageEndingWith("Nothing was applied.");
      assertThat(configMapExists("before-several")).isFalse();
    }
  }

  @Test
  @DisplayName(
      "a Job whose image the image map rewrites applies again unchanged; a changed one says to delete it")
  void a_job_applies_again_and_a_changed_one_names_the_way_out() throws IOException {
    String job =
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: once}
        spec:
          backoffLimit: 1
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: c
                  image: alpine:3.17
                  imagePullPolicy: IfNotPresent
                  command: [sh, -c, "echo %s"]
        """;
    Stack stack = stack("job", Map.of("job.yaml", job.formatted("first")));
    apply(stack);
    String applied =
        client
            .batch()
            .v1()
            .jobs()
            .withName("once")
            .get()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getImage();
    // the machine's image map (CI's local images) rewrites alpine: the cluster holds the
    // rewritten image, which the file does not name; as written, the pod template would change
    assertThat(applied).isNotEqualTo("alpine:3.17");

    apply(stack);

    Stack changed = stack("job", Map.of("job.yaml", job.formatted("second")));
    assertThatThrownBy(() -> apply(changed))
        .isInstanceOf(SandboxException.ManifestApply.class)
        .hasMessageContaining("(Job/once) was rejected by the API server: ")
        .hasMessageContaining(
            "These fields cannot change once the object exists (a Job's pod template, a"
                + " Deployment's selector): delete it (kubectl delete job once) and apply again.")
        .hasMessageEndingWith("Nothing was applied.");
  }

  @Test
  @DisplayName("a kustomize error names the user's folder, not the node's scratch copy")
  void kustomize_errors_name_the_users_paths() throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    // a render-time error (the patch's path is missing), which only kustomize itself can find
    files.put(
        "app/kustomization.yaml",
        "resources: [cm.yaml]\npatches: [{path: patch.yaml, target: {kind: ConfigMap, name: cm}}]\n");
    files.put(
        "app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: b}\n");
    files.put("app/patch.yaml", "- op: replace\n  path: /data/missing/deeper\n  value: x\n");
    Stack stack = stack("kustomize", files);

    assertThatThrownBy(() -> apply(stack))
        .isInstanceOf(SandboxException.ManifestApply.class)
        .hasMessageStartingWith(
            "kustomize could not render " + dir.resolve("kustomize/k8s/app") + ": ")
        .hasMessageContaining(dir.resolve("kustomize/k8s/app").toString())
        .hasMessageNotContaining("/tmp/sandbox-kustomize");
  }

  @Nested
  @DisplayName("port-forward")
  class PortForward {

    @Test
    @DisplayName("to a missing port is a plain failure naming the ports the Service has")
    void missing_port() {
      assertThatThrownBy(() -> sandbox.portForward("default", "web", 81, 0))
          .isExactlyInstanceOf(SandboxException.class)
          .hasMessage(
              "Service default/web has no port 81; its ports are [80/http, 9000/metrics]. Forward"
                  + " one of those.");
    }

    @Test
    @DisplayName("to a missing Service is a plain failure naming the Services of the namespace")
    void missing_service() {
      assertThatThrownBy(() -> sandbox.portForward("default", "nope", 80, 0))
          .isExactlyInstanceOf(SandboxException.class)
          .hasMessageStartingWith(
              "Service default/nope does not exist in sandbox 'it-precheck', so port 80 cannot be"
                  + " forwarded. Services in default: ")
          .hasMessageContaining("web [80/http, 9000/metrics]");
    }
  }

  static String crd(String plural, String kind) {
    return """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: %1$s.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: %1$s, singular: %3$s, kind: %2$s}
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec:
                      type: object
                      properties:
                        size: {type: integer}
        """
        .formatted(plural, kind, kind.toLowerCase());
  }
}
