package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Production YAML as it really is, against one real sandbox: objects without a namespace, an
 * untagged production image mapped to a local one, dev YAML shipping its own database under the
 * wired names, a Service selector typo, a crash-looping JVM, a hand edit. All manifests are written
 * here for the purpose.
 */
@RequiresDocker
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProductionFidelityIT {

  static final String NAME = "it-fidelity";

  @TempDir static Path dir;

  private SandboxEngine engine;
  private Sandbox sandbox;
  private final List<ProgressListener.Event> events =
      Collections.synchronizedList(new ArrayList<>());

  /** The web app: no namespace, an untagged production image, no probes, a Service typo. */
  static final String WEB =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        labels: {app.kubernetes.io/name: web}
      spec:
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            securityContext:
              runAsNonRoot: true
              runAsUser: 65534
              seccompProfile: {type: RuntimeDefault}
            containers:
              - name: web
                image: vendor/web
                imagePullPolicy: IfNotPresent
                command: [sleep, "3600"]
                resources:
                  requests: {cpu: 10m, memory: 16Mi}
                  limits: {memory: 32Mi}
                securityContext:
                  allowPrivilegeEscalation: false
                  capabilities: {drop: [ALL]}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        selector: {app: wbe}
        ports: [{port: 80}]
      """;

  /** Dev YAML's own database, under the names the wiring creates. */
  static final String DB =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: orders-db, labels: {app.kubernetes.io/name: orders-db}}
      spec:
        selector: {matchLabels: {app: orders-db}}
        template:
          metadata: {labels: {app: orders-db}}
          spec:
            securityContext:
              runAsNonRoot: true
              runAsUser: 65534
              seccompProfile: {type: RuntimeDefault}
            containers:
              - name: postgres
                image: alpine:3.17
                imagePullPolicy: IfNotPresent
                command: [sleep, "3600"]
                resources:
                  requests: {cpu: 10m, memory: 16Mi}
                  limits: {memory: 32Mi}
                securityContext:
                  allowPrivilegeEscalation: false
                  capabilities: {drop: [ALL]}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: orders-db}
      spec:
        selector: {app: orders-db}
        ports: [{port: 5432}]
      ---
      apiVersion: v1
      kind: Secret
      metadata: {name: orders-db-credentials}
      type: kubernetes.io/basic-auth
      stringData: {username: dev, password: dev}
      """;

  private Stack stack(String paths, String timeout) throws IOException {
    return stack(paths, timeout, "sandbox");
  }

  private Stack stack(String paths, String timeout, String standIns) throws IOException {
    return StackLoader.load(
        Files.writeString(
            dir.resolve("sandbox-" + timeout + "-" + standIns + ".yaml"),
            """
            version: 1
            name: %s
            manifests:
              paths: [%s]
              stand-ins: %s
            services:
              postgres:
                database: orders
                service-name: orders-db
                secret:
                  name: orders-db-credentials
                  keys: {username: DB_USER, password: DB_PASSWORD}
              rabbitmq: {enabled: false}
            policies:
              packs: [pod-security, network, guardrails]
              guardrails: {resources: Deny, image-tag: Warn, probes: Audit, name-label: Warn}
            monitoring: {enabled: false}
            image-map:
              vendor/web: sandbox-local/alpine:3.17
            readiness: {timeout: %s}
            """
                .formatted(NAME, paths, standIns, timeout)));
  }

  @BeforeAll
  void up() throws IOException {
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(dir.resolve("k8s/10-web.yaml"), WEB);
    Files.writeString(dir.resolve("k8s/20-db.yaml"), DB);
    engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))),
            dir.resolve("state"));
    sandbox = engine.up(stack("k8s", "2m"), UpOptions.defaults(), events::add);
  }

  @AfterAll
  void down() {
    if (sandbox != null) {
      sandbox.close();
    }
    if (engine != null) {
      engine.down(NAME, false, ProgressListener.NONE);
    }
  }

  private List<String> messages(String component) {
    synchronized (events) {
      return events.stream()
          .filter(e -> e.component().equals(component))
          .map(ProgressListener.Event::message)
          .toList();
    }
  }

  @Test
  @Order(1)
  @DisplayName(
      "the implicit namespace default is guarded: Pod Security labels and the network pack")
  void implicit_namespace_is_guarded() {
    KubernetesClient client = sandbox.client();
    assertThat(client.namespaces().withName("default").get().getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
    assertThat(
            client
                .network()
                .networkPolicies()
                .inNamespace("default")
                .withName("sandbox-default-deny")
                .get())
        .isNotNull();
    assertThat(messages("policies")).anyMatch(m -> m.contains("restricted (enforce) on default"));
  }

  @Test
  @Order(2)
  @DisplayName(
      "the guardrails judge the production image as written and their Warn and Audit verdicts are shown")
  void verdicts_on_the_production_image() {
    assertThat(messages("policies"))
        .anyMatch(
            m ->
                m.startsWith("warn sandbox-image-tag: deployment/web (")
                    && m.endsWith(
                        "images must carry a tag other than :latest (or a digest): vendor/web"))
        .anyMatch(
            m ->
                m.startsWith("audit sandbox-probes: deployment/web (")
                    && m.contains("livenessProbe"));
    // the local stand-in is what runs
    assertThat(
            sandbox
                .client()
                .apps()
                .deployments()
                .inNamespace("default")
                .withName("web")
                .get()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getImage())
        .isEqualTo("sandbox-local/alpine:3.17");
  }

  @Test
  @Order(3)
  @DisplayName(
      "dev YAML's own database under the wired names: the sandbox's PostgreSQL stands in and the skipped objects are listed")
  void the_sandbox_stands_in_for_the_manifests_database() {
    assertThat(messages("stand-ins"))
        .anyMatch(
            m ->
                m.startsWith(
                        "the sandbox's PostgreSQL stands in for deployment/orders-db,"
                            + " service/orders-db, secret/orders-db-credentials from ")
                    && m.contains("20-db.yaml"));
    KubernetesClient client = sandbox.client();
    assertThat(client.apps().deployments().inNamespace("default").withName("orders-db").get())
        .isNull();
    assertThat(
            client
                .services()
                .inNamespace("default")
                .withName("orders-db")
                .get()
                .getSpec()
                .getSelector())
        .isNullOrEmpty();
    var secret = client.secrets().inNamespace("default").withName("orders-db-credentials").get();
    assertThat(secret.getType()).isEqualTo("Opaque");
    assertThat(secret.getData()).containsKeys("DB_USER", "DB_PASSWORD");
  }

  @Test
  @Order(4)
  @DisplayName("a Service whose selector matches no pod is named by up, status and port-forward")
  void selector_typo_is_named() {
    String finding =
        "service/default/web selects no pods: selector app=wbe; pods in the namespace have app=web";
    assertThat(messages("services")).contains(finding);
    assertThat(engine.status(NAME).findings()).contains(finding);
    assertThatThrownBy(() -> sandbox.portForward("default", "web", 80, 0))
        .hasMessageContaining(finding);
  }

  @Test
  @Order(5)
  @DisplayName("a loaded image tagged :latest is warned about with the fix")
  void latest_image_warns() throws Exception {
    Process tag =
        new ProcessBuilder("docker", "tag", "sandbox-local/alpine:3.17", "fidelity-it/tool:latest")
            .inheritIO()
            .start();
    assertThat(tag.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tag.exitValue()).isZero();
    try {
      List<ProgressListener.Event> load = new ArrayList<>();
      engine.load(NAME, List.of("fidelity-it/tool:latest"), load::add);
      assertThat(load)
          .anyMatch(
              e ->
                  e.phase() == ProgressListener.Phase.INFO
                      && e.message().contains("fidelity-it/tool:latest is tagged :latest")
                      && e.message()
                          .contains("docker tag fidelity-it/tool:latest fidelity-it/tool:dev"));
    } finally {
      new ProcessBuilder("docker", "rmi", "fidelity-it/tool:latest")
          .start()
          .waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(6)
  @DisplayName("a hand edit of a managed object (replicas) is reported by status as drift")
  void drift_is_reported() {
    sandbox
        .client()
        .apps()
        .deployments()
        .inNamespace("default")
        .withName("web")
        .edit(
            d -> {
              d.getSpec().setReplicas(2);
              return d;
            });
    assertThat(engine.status(NAME).findings())
        .anyMatch(
            f ->
                f.startsWith(
                    "deployment/default/web drifted from what the sandbox applied: spec.replicas by "));
  }

  @Test
  @Order(7)
  @DisplayName("objects in the implicit namespace are refused by Pod Security when they violate it")
  void pod_security_refuses_in_the_implicit_namespace() throws IOException {
    Files.createDirectories(dir.resolve("bad"));
    Files.writeString(
        dir.resolve("bad/pod.yaml"),
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: rooty}
        spec:
          containers:
            - name: rooty
              image: alpine:3.17
              command: [sleep, "3600"]
              securityContext: {privileged: true}
        """);
    Stack withBadPod = stack("k8s, bad", "2m");
    assertThatThrownBy(() -> engine.apply(withBadPod, false, ProgressListener.NONE))
        .isInstanceOf(SandboxException.ManifestApply.class)
        .hasMessageContaining("Pod/rooty")
        .hasMessageContaining("violates PodSecurity \"restricted:latest\"");
  }

  @Test
  @Order(8)
  @DisplayName("a crash-looping JVM's diagnosis shows the exception and its Caused by: lines")
  void crash_looping_jvm_shows_its_cause() throws IOException {
    Path jvm = Files.createDirectories(dir.resolve("jvm"));
    Files.writeString(jvm.resolve("crash.yaml"), crashingJvm());
    Stack quick = stack("k8s", "30s");
    SandboxException.ServiceStartup failure =
        catchThrowableOfType(
            SandboxException.ServiceStartup.class,
            () -> engine.applyInto(quick, "jvm", List.of(jvm), ProgressListener.NONE));
    assertThat(failure).isNotNull();
    assertThat(failure.getMessage())
        .contains("java.lang.IllegalStateException: Application run failed")
        .contains("Caused by: java.net.ConnectException: Connection refused: orders-db:5432")
        .doesNotContain("at Boot.connect");
  }

  @Test
  @Order(9)
  @DisplayName(
      "with manifests.stand-ins: manifest the manifest's database is applied and the service is not wired there")
  void the_manifest_can_stand_in_instead() throws IOException {
    List<ProgressListener.Event> applied = Collections.synchronizedList(new ArrayList<>());
    engine.apply(stack("k8s", "2m", "manifest"), false, applied::add);
    assertThat(applied)
        .anyMatch(
            e ->
                e.component().equals("stand-ins")
                    && e.message()
                        .startsWith(
                            "deployment/orders-db, service/orders-db, secret/orders-db-credentials"
                                + " from ")
                    && e.message()
                        .contains(
                            "stand in for the sandbox's PostgreSQL (orders-db) in namespace default"));
    KubernetesClient client = sandbox.client();
    assertThat(client.apps().deployments().inNamespace("default").withName("orders-db").get())
        .isNotNull();
    assertThat(
            client
                .services()
                .inNamespace("default")
                .withName("orders-db")
                .get()
                .getSpec()
                .getSelector())
        .containsEntry("app", "orders-db");
    // the wired Secret (Opaque) was removed first: a Secret's type is immutable
    assertThat(
            client
                .secrets()
                .inNamespace("default")
                .withName("orders-db-credentials")
                .get()
                .getType())
        .isEqualTo("kubernetes.io/basic-auth");
    assertThat(
            client
                .discovery()
                .v1()
                .endpointSlices()
                .inNamespace("default")
                .withName("orders-db-sandbox")
                .get())
        .isNull();
  }

  /**
   * A Deployment running a JVM that dies the way an application does when its database is
   * unreachable: the class is compiled here and mounted from a ConfigMap (no image to build).
   */
  private String crashingJvm() throws IOException {
    Path src = Files.createDirectories(dir.resolve("boot"));
    Files.writeString(
        src.resolve("Boot.java"),
        """
        public class Boot {
          static void connect(int depth) throws java.net.ConnectException {
            if (depth == 0) throw new java.net.ConnectException("Connection refused: orders-db:5432");
            connect(depth - 1);
          }
          public static void main(String[] args) throws Exception {
            System.out.println("Starting Boot");
            try {
              connect(30);
            } catch (Exception e) {
              throw new IllegalStateException("Application run failed", e);
            }
          }
        }
        """);
    int compiled =
        ToolProvider.getSystemJavaCompiler()
            .run(
                null,
                null,
                null,
                "--release",
                "17",
                "-d",
                src.toString(),
                src.resolve("Boot.java").toString());
    assertThat(compiled).isZero();
    String bytes =
        Base64.getEncoder().encodeToString(Files.readAllBytes(src.resolve("Boot.class")));
    return """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: boot}
        binaryData: {Boot.class: %s}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: boot, labels: {app.kubernetes.io/name: boot}}
        spec:
          selector: {matchLabels: {app: boot}}
          template:
            metadata: {labels: {app: boot}}
            spec:
              containers:
                - name: app
                  image: eclipse-temurin:21-jre
                  imagePullPolicy: IfNotPresent
                  command: [java, -cp, /app, Boot]
                  # without a probe the pod counts as ready for the instant before the JVM exits
                  readinessProbe:
                    exec: {command: ["true"]}
                    initialDelaySeconds: 5
                  resources:
                    requests: {cpu: 10m, memory: 64Mi}
                    limits: {memory: 256Mi}
                  volumeMounts: [{name: boot, mountPath: /app}]
              volumes: [{name: boot, configMap: {name: boot}}]
        """
        .formatted(bytes);
  }
}
