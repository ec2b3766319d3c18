package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.postgres.PostgresEndpoint;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/** The engine end to end against real k3s, PostgreSQL and RabbitMQ containers. */
@RequiresDocker
class SandboxEngineIT {

  @TempDir Path dir;

  private final List<ProgressListener.Event> events = new ArrayList<>();

  private SandboxEngine engine() {
    return new SandboxEngine(
        SandboxConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home"))),
        dir.resolve("state"));
  }

  private Stack stack(String name, String manifestsYaml, Map<String, String> files)
      throws IOException {
    return stack(name, "k8s", manifestsYaml, files);
  }

  private Stack stack(String name, String paths, String manifestsYaml, Map<String, String> files)
      throws IOException {
    Files.createDirectories(dir.resolve("k8s"));
    for (var file : files.entrySet()) {
      Files.writeString(dir.resolve("k8s").resolve(file.getKey()), file.getValue());
    }
    return StackLoader.load(
        Files.writeString(
            dir.resolve("sandbox.yaml"),
            """
        version: 1
        name: %s
        manifests:
          paths: [%s]
        %s
        services:
          postgres:
            database: orders
            service-name: orders-db
            secret:
              name: orders-db-credentials
              keys: {username: DB_USER, password: DB_PASSWORD}
          rabbitmq:
            service-name: orders-mq
        policies: {packs: []}
        monitoring: {enabled: false}
        readiness: {timeout: 2m}
        """
                .formatted(name, paths, manifestsYaml)));
  }

  @Test
  @DisplayName(
      "pods reach the real PostgreSQL and RabbitMQ by their production names; a folder and a kustomization apply")
  void wires_services_into_the_cluster_and_applies_production_yaml_unchanged() throws Exception {
    Path base = Files.createDirectories(dir.resolve("kustom/base"));
    Files.writeString(base.resolve("kustomization.yaml"), "resources: [settings.yaml]\n");
    Files.writeString(
        base.resolve("settings.yaml"),
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {mode: base}
        """);
    Path overlay = Files.createDirectories(dir.resolve("kustom/overlays/dev"));
    Files.writeString(
        overlay.resolve("kustomization.yaml"),
        """
        namespace: orders
        namePrefix: dev-
        resources: [../../base]
        patches:
          - patch: |-
              apiVersion: v1
              kind: ConfigMap
              metadata: {name: settings}
              data: {mode: overlay}
        """);
    Stack stack =
        stack(
            "it-wiring",
            "k8s, kustom/overlays/dev",
            "",
            Map.of(
                "30-amqp.yaml",
                """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: amqp, namespace: orders}
            spec:
              backoffLimit: 3
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: nc
                      image: alpine:3.17
                      imagePullPolicy: IfNotPresent
                      command: [sh, -c]
                      # the AMQP 0-9-1 protocol header; a broker answers with Connection.Start,
                      # which lists its SASL mechanisms
                      args:
                        - printf 'AMQP\\0\\0\\11\\1' | timeout 5 nc orders-mq 5672 | strings | grep -q PLAIN
            """,
                "00-namespace.yaml",
                """
            apiVersion: v1
            kind: Namespace
            metadata: {name: orders}
            """,
                "10-external-secret.yaml",
                """
            # production gets the credentials from an ExternalSecret; the sandbox stands in for it
            apiVersion: external-secrets.io/v1
            kind: ExternalSecret
            metadata: {name: orders-db-credentials, namespace: orders}
            spec: {refreshInterval: 1h}
            """,
                "20-job.yaml",
                """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: schema, namespace: orders}
            spec:
              backoffLimit: 3
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: psql
                      image: postgres:17
                      imagePullPolicy: IfNotPresent
                      command: [sh, -c]
                      args:
                        - psql "postgresql://$DB_USER:$DB_PASSWORD@orders-db:5432/orders" -v ON_ERROR_STOP=1
                          -c "create table orders(id int primary key)" -c "insert into orders values (7)"
                      env:
                        - name: DB_USER
                          valueFrom: {secretKeyRef: {name: orders-db-credentials, key: DB_USER}}
                        - name: DB_PASSWORD
                          valueFrom: {secretKeyRef: {name: orders-db-credentials, key: DB_PASSWORD}}
            """));

    SandboxEngine engine = engine();
    try (Sandbox sandbox = engine.up(stack, UpOptions.defaults(), events::add)) {
      PostgresEndpoint db = sandbox.endpoint(PostgresEndpoint.class).orElseThrow();
      assertThat(db.host()).isEqualTo("127.0.0.1");
      try (var connection =
              DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
          ResultSet rs = connection.createStatement().executeQuery("select id from orders")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(7);
      }
      // the services started at an eighth of the default CPU share, yielding to the node's boot;
      // the sandbox's tests find them at the default again
      var docker = org.testcontainers.DockerClientFactory.instance().client();
      for (String service : List.of("postgres", "rabbitmq")) {
        assertThat(
                docker
                    .inspectContainerCmd(sandbox.state().containers().get(service))
                    .exec()
                    .getHostConfig()
                    .getCpuShares())
            .as(service + "'s CPU shares once up returned")
            .isEqualTo(1024);
      }
      // applied again: both manifest images are in the node under the same IDs, found by one
      // listing, and nothing is imported
      List<ProgressListener.Event> again = new java.util.concurrent.CopyOnWriteArrayList<>();
      engine.apply(stack, false, again::add);
      assertThat(again)
          .filteredOn(e -> e.component().equals("images") && e.message() != null)
          .extracting(ProgressListener.Event::message)
          .containsExactlyInAnyOrder(
              "sandbox-local/postgres:17 already loaded",
              "sandbox-local/alpine:3.17 already loaded");
      var secret =
          sandbox.client().secrets().inNamespace("orders").withName("orders-db-credentials").get();
      assertThat(secret.getData())
          .containsKeys("DB_USER", "DB_PASSWORD", "host", "port", "database", "jdbc-url", "uri");
      assertThat(
              sandbox
                  .client()
                  .services()
                  .inNamespace("orders")
                  .withName("orders-mq")
                  .get()
                  .getSpec()
                  .getPorts())
          .extracting(p -> p.getPort())
          .contains(5672);
      assertThat(
              sandbox
                  .client()
                  .configMaps()
                  .inNamespace("orders")
                  .withName("dev-settings")
                  .get()
                  .getData())
          .containsEntry("mode", "overlay");
      // the ExternalSecret was left out, not applied: the cluster does not even know the kind (its
      // apply would have failed up), and no client error above can pass for this check any more
      assertThat(
              sandbox
                  .client()
                  .apiextensions()
                  .v1()
                  .customResourceDefinitions()
                  .withName("externalsecrets.external-secrets.io")
                  .get())
          .isNull();
    } finally {
      engine.down("it-wiring", false, ProgressListener.NONE);
    }
    // the manifest's image reached the node: imported, or found there (the machine's image seed
    // holds it once any earlier node on this machine did)
    assertThat(events)
        .anyMatch(
            e ->
                e.component().equals("images")
                    && (e.message().startsWith("loaded sandbox-local/postgres")
                        || e.message().startsWith("sandbox-local/postgres:17 already loaded")));
    for (String job : List.of("job/orders/schema", "job/orders/amqp")) {
      assertThat(events)
          .anyMatch(e -> e.component().startsWith(job) && e.phase() == ProgressListener.Phase.DONE);
    }
    assertNothingLabelled("it-wiring");
  }

  @Test
  @DisplayName(
      "up on a changed stack applies or recreates; down --keep-data keeps a row; down leaves nothing")
  void lifecycle_of_a_sandbox_across_changes_and_downs() throws Exception {
    String configMap =
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: first}
        data: {a: b}
        """;
    Stack first = stack("it-lifecycle", "", Map.of("a.yaml", configMap));
    SandboxEngine engine = engine();
    try {
      String k3sId;
      try (Sandbox sandbox = engine.up(first, UpOptions.defaults(), events::add)) {
        k3sId = sandbox.state().containers().get("k3s");
        execute(sandbox, "create table kept(v text)", "insert into kept values ('before down')");
      }

      // a manifest file added (the stack file itself unchanged): applied in place
      Files.writeString(
          dir.resolve("k8s/b.yaml"), configMap.replace("first", "second").replace("b}", "c}"));
      events.clear();
      try (Sandbox sandbox = engine.up(first, UpOptions.defaults(), events::add)) {
        assertThat(sandbox.state().containers().get("k3s")).isEqualTo(k3sId);
        assertThat(sandbox.client().configMaps().withName("second").get()).isNotNull();
      }
      assertThat(events)
          .anyMatch(
              e ->
                  e.message()
                      .equals(
                          "changed since it started: manifest-files — applying to the running"
                              + " sandbox"));

      // the readiness timeout changed: applied in place, same containers
      Stack readinessChanged =
          StackLoader.load(
              Files.writeString(
                  dir.resolve("sandbox.yaml"),
                  Files.readString(dir.resolve("sandbox.yaml")).replace("2m", "3m")));
      events.clear();
      try (Sandbox sandbox = engine.up(readinessChanged, UpOptions.defaults(), events::add)) {
        assertThat(sandbox.state().containers().get("k3s")).isEqualTo(k3sId);
      }
      assertThat(events)
          .anyMatch(
              e ->
                  e.message()
                      .equals(
                          "changed since it started: readiness — applying to the running"
                              + " sandbox"));

      // nothing changed: reused
      events.clear();
      engine.up(readinessChanged, UpOptions.defaults(), events::add).close();
      assertThat(events)
          .anyMatch(
              e ->
                  e.message()
                      .equals("reusing the running sandbox (stack and its files unchanged)"));

      // the Secret's shape changed (the servicebinding preset: another, immutable type): the
      // wiring is applied in place and the Secret replaced
      Stack presetChanged =
          StackLoader.load(
              Files.writeString(
                  dir.resolve("sandbox.yaml"),
                  Files.readString(dir.resolve("sandbox.yaml"))
                      .replace(
                          "      name: orders-db-credentials\n",
                          "      name: orders-db-credentials\n      preset: servicebinding\n")));
      events.clear();
      try (Sandbox sandbox = engine.up(presetChanged, UpOptions.defaults(), events::add)) {
        assertThat(sandbox.state().containers().get("k3s")).isEqualTo(k3sId);
        var secret =
            sandbox
                .client()
                .secrets()
                .inNamespace("default")
                .withName("orders-db-credentials")
                .get();
        assertThat(secret.getType()).isEqualTo("servicebinding.io/postgresql");
        assertThat(secret.getData())
            .containsEntry("type", base64("postgresql"))
            .containsEntry("provider", base64("sandbox"))
            .containsKeys("host", "port", "database", "DB_USER", "DB_PASSWORD");
      }
      assertThat(events)
          .anyMatch(
              e ->
                  e.message()
                      .equals(
                          "changed since it started: wiring — applying to the running sandbox"));

      // a service changed: recreated, the data volume kept
      Stack serviceChanged =
          StackLoader.load(
              Files.writeString(
                  dir.resolve("sandbox.yaml"),
                  Files.readString(dir.resolve("sandbox.yaml"))
                      .replace(
                          "service-name: orders-mq", "service-name: orders-mq\n    vhost: v2")));
      events.clear();
      try (Sandbox sandbox = engine.up(serviceChanged, UpOptions.defaults(), events::add)) {
        assertThat(sandbox.state().containers().get("k3s")).isNotEqualTo(k3sId);
        assertThat(query(sandbox, "select v from kept")).isEqualTo("before down");
      }
      assertThat(events)
          .anyMatch(
              e ->
                  e.message()
                      .equals(
                          "changed since it started: rabbitmq — recreating the sandbox; data"
                              + " volumes are kept"));

      // down --keep-data, then up again: the row is still there
      engine.down("it-lifecycle", true, ProgressListener.NONE);
      assertThat(containers("it-lifecycle")).isEmpty();
      assertThat(volumes("it-lifecycle")).hasSize(2);
      try (Sandbox sandbox = engine.up(serviceChanged, UpOptions.defaults(), events::add)) {
        assertThat(query(sandbox, "select v from kept")).isEqualTo("before down");
      }
    } finally {
      engine.down("it-lifecycle", false, ProgressListener.NONE);
    }
    assertNothingLabelled("it-lifecycle");
    // down is safe to run twice
    assertThat(engine.down("it-lifecycle", false, ProgressListener.NONE)).isEmpty();
  }

  private static void execute(Sandbox sandbox, String... statements) throws Exception {
    PostgresEndpoint db = sandbox.endpoint(PostgresEndpoint.class).orElseThrow();
    try (var connection = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
        var statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  private static String query(Sandbox sandbox, String sql) throws Exception {
    PostgresEndpoint db = sandbox.endpoint(PostgresEndpoint.class).orElseThrow();
    try (var connection = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
        ResultSet rs = connection.createStatement().executeQuery(sql)) {
      assertThat(rs.next()).as("a row from " + sql).isTrue();
      return rs.getString(1);
    }
  }

  private static String base64(String text) {
    return java.util.Base64.getEncoder()
        .encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static List<?> containers(String name) {
    return DockerClientFactory.instance()
        .client()
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of("dev.sandbox.name", name))
        .exec();
  }

  private static List<?> volumes(String name) {
    return DockerClientFactory.instance()
        .client()
        .listVolumesCmd()
        .withFilter("label", List.of("dev.sandbox.name=" + name))
        .exec()
        .getVolumes();
  }

  private static List<?> networks(String name) {
    return DockerClientFactory.instance()
        .client()
        .listNetworksCmd()
        .withFilter("label", List.of("dev.sandbox.name=" + name))
        .exec();
  }

  /** What `down` promises: no container, network or volume carrying the sandbox's label. */
  private static void assertNothingLabelled(String name) {
    assertThat(containers(name)).as("containers of " + name).isEmpty();
    assertThat(networks(name)).as("networks of " + name).isEmpty();
    assertThat(volumes(name)).as("volumes of " + name).isEmpty();
  }

  @Test
  @DisplayName(
      "an invalid manifest stops up with file, document, kind/name and the API server's reason, leaving nothing behind")
  void an_invalid_manifest_stops_up_and_leaves_nothing_behind() throws Exception {
    Stack stack =
        stack(
            "it-invalid",
            "",
            Map.of(
                "app.yaml",
                """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: fine}
        data: {a: b}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: Not_A_Valid_Name}
        data: {a: b}
        """));

    assertThatThrownBy(() -> engine().up(stack, UpOptions.defaults(), events::add))
        .isInstanceOf(SandboxException.ManifestApply.class)
        .hasMessageContaining(
            dir.resolve("k8s/app.yaml")
                + ", document 2 (ConfigMap/Not_A_Valid_Name) was rejected by the API server:")
        .hasMessageContaining("Invalid value: \"Not_A_Valid_Name\"");

    assertThat(containers("it-invalid")).isEmpty();
    // a first up that fails removes the (empty) data volumes it created itself
    assertThat(volumes("it-invalid")).isEmpty();
    assertThat(dir.resolve("state/it-invalid/credentials.json")).doesNotExist();
    engine().down("it-invalid", false, ProgressListener.NONE);
  }

  @Test
  @DisplayName("a workload that cannot start is diagnosed: workload, pod, reason, last log lines")
  void a_workload_that_is_not_ready_is_diagnosed() throws Exception {
    Stack stack =
        stack(
            "it-diagnosis",
            "",
            Map.of(
                "app.yaml",
                """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: broken}
        spec:
          selector: {matchLabels: {app: broken}}
          template:
            metadata: {labels: {app: broken}}
            spec:
              containers:
                - name: app
                  image: alpine:3.17
                  imagePullPolicy: IfNotPresent
                  command: [sh, -c, "echo the-app-gave-up; exit 3"]
                  # without a probe the pod counts as ready for the instant before it exits; this
                  # one can only pass after 5 s, long after every run of the container has died
                  readinessProbe:
                    exec: {command: ["true"]}
                    initialDelaySeconds: 5
        """));
    Stack quick = stack.withReadiness(new Stack.Readiness(java.time.Duration.ofSeconds(45)));

    assertThatThrownBy(() -> engine().up(quick, UpOptions.defaults(), events::add))
        .isInstanceOf(SandboxException.ServiceStartup.class)
        .hasMessageContaining("deployment/broken (from " + dir.resolve("k8s/app.yaml") + ")")
        .hasMessageContaining("was not ready within 45 s")
        .hasMessageMatching(
            "(?s).*pod broken-[a-z0-9-]+: (CrashLoopBackOff|Terminated: Error)[^\n]*\\(container"
                + " app\\).*")
        .hasMessageContaining("the-app-gave-up");
    engine().down("it-diagnosis", false, ProgressListener.NONE);
  }

  @Test
  @DisplayName("offline, a manifest image that is nowhere local fails at once, naming its object")
  void offline_a_missing_manifest_image_fails_at_once() throws Exception {
    Stack stack =
        stack(
            "it-offline",
            "",
            Map.of(
                "app.yaml",
                """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: unbuilt}
        spec:
          selector: {matchLabels: {app: unbuilt}}
          template:
            metadata: {labels: {app: unbuilt}}
            spec:
              containers:
                - name: app
                  image: registry.invalid/not-built/app:1.0
        """));
    Map<String, String> env = new java.util.HashMap<>(System.getenv());
    env.put(SandboxConfig.OFFLINE_ENV, "true");
    SandboxEngine offline =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(env, Path.of(System.getProperty("user.home"))),
            dir.resolve("state"));
    java.time.Instant begin = java.time.Instant.now();

    Stack patient = stack.withReadiness(new Stack.Readiness(java.time.Duration.ofMinutes(5)));
    assertThatThrownBy(() -> offline.up(patient, UpOptions.defaults(), events::add))
        .isInstanceOf(SandboxException.ImageUnavailable.class)
        .hasMessageContaining("registry.invalid/not-built/app:1.0")
        .hasMessageContaining(dir.resolve("k8s/app.yaml") + ", document 1 (Deployment/")
        .hasMessageContaining("image-map");
    // the readiness timeout (5 min) is not waited out: the sandbox starts and then fails at once
    assertThat(java.time.Duration.between(begin, java.time.Instant.now()))
        .isLessThan(java.time.Duration.ofSeconds(150));
    offline.down("it-offline", false, ProgressListener.NONE);
  }
}
