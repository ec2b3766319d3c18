package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.cluster.ClusterSandboxes;
import dev.sandbox.cluster.Tenancy;
import dev.sandbox.docker.DockerEngine;
import dev.sandbox.k3s.K3sNode;
import dev.sandbox.postgres.PostgresEndpoint;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import dev.sandbox.testing.TestImages;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.testcontainers.k3s.K3sContainer;

/**
 * The cluster target against a real shared cluster: a second k3s container, started here, stands in
 * for the team's cluster. A sandbox with a namespace-scoped kubeconfig (a ServiceAccount bound to a
 * Role in two pre-created namespaces only) runs PostgreSQL and RabbitMQ as StatefulSets and the
 * application's production Job against them; a second sandbox with cluster rights gets its own
 * namespaces; a pod of one cannot reach the other's database; an expired lease (its owner gone) is
 * collected by gc; down leaves nothing of the sandbox.
 */
@RequiresDocker
class SharedClusterIT {

  private static final String APP =
      """
      apiVersion: v1
      kind: Namespace
      metadata: {name: orders}
      ---
      # production: the database is a managed service outside the cluster, allowed by port
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: {name: egress-db, namespace: orders}
      spec:
        podSelector: {}
        policyTypes: [Egress]
        egress:
          - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
            ports: [{protocol: TCP, port: 5432}]
      ---
      apiVersion: batch/v1
      kind: Job
      metadata: {name: migrate, namespace: orders}
      spec:
        backoffLimit: 10
        template:
          spec:
            restartPolicy: Never
            securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
            containers:
              - name: migrate
                image: postgres:17
                imagePullPolicy: IfNotPresent
                command: [sh, -c, 'psql "$DB_URI" -v ON_ERROR_STOP=1 -c "create table if not exists orders (id int); insert into orders values (42)"']
                env: [{name: DB_URI, valueFrom: {secretKeyRef: {name: orders-db-credentials, key: uri}}}]
                securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
                resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {memory: 128Mi}}
      """;

  private static K3sContainer shared;
  private static KubernetesClient admin;
  private static SandboxEngine engine;
  private static Path dir;

  @BeforeAll
  static void sharedCluster(@TempDir Path temp) throws Exception {
    dir = temp;
    engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))),
            dir.resolve("state"));
    Stack probe = StackLoader.embeddedDefault();
    ImageMap images = engine.imageMap(probe);
    shared = K3sNode.container(images.apply(TestImages.K3S), false);
    shared.start();
    for (String image : List.of(TestImages.POSTGRES, TestImages.RABBITMQ)) {
      K3sNode.importImage(DockerEngine.client(), shared.getContainerId(), images.apply(image));
    }
    Files.writeString(dir.resolve("admin.yaml"), shared.getKubeConfigYaml());
    admin =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(shared.getKubeConfigYaml()))
            .build();
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(dir.resolve("k8s/app.yaml"), APP);
    Files.writeString(dir.resolve("restricted.yaml"), restrictedKubeconfig());
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close();
    }
    if (shared != null) {
      shared.stop();
    }
  }

  /**
   * A kubeconfig of ServiceAccount ci-1-services/ci, bound to a Role allowing everything in
   * ci-1-orders and ci-1-services and nothing else: what a platform team hands a CI job.
   */
  private static String restrictedKubeconfig() {
    for (String ns : List.of("ci-1-orders", "ci-1-services")) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
    admin
        .serviceAccounts()
        .inNamespace("ci-1-services")
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("ci").endMetadata().build())
        .create();
    for (String ns : List.of("ci-1-orders", "ci-1-services")) {
      admin
          .rbac()
          .roles()
          .inNamespace(ns)
          .resource(
              new RoleBuilder()
                  .withNewMetadata()
                  .withName("ci")
                  .endMetadata()
                  .addNewRule()
                  .withApiGroups("*")
                  .withResources("*")
                  .withVerbs("*")
                  .endRule()
                  .build())
          .create();
      admin
          .rbac()
          .roleBindings()
          .inNamespace(ns)
          .resource(
              new RoleBindingBuilder()
                  .withNewMetadata()
                  .withName("ci")
                  .endMetadata()
                  .withNewRoleRef("rbac.authorization.k8s.io", "Role", "ci")
                  .addNewSubject()
                  .withKind("ServiceAccount")
                  .withName("ci")
                  .withNamespace("ci-1-services")
                  .endSubject()
                  .build())
          .create();
    }
    String token =
        admin
            .serviceAccounts()
            .inNamespace("ci-1-services")
            .withName("ci")
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    @SuppressWarnings("unchecked")
    Map<String, Object> config =
        (Map<String, Object>)
            new Load(LoadSettings.builder().build()).loadFromString(shared.getKubeConfigYaml());
    @SuppressWarnings("unchecked")
    Map<String, Object> cluster =
        (Map<String, Object>) ((List<Map<String, Object>>) config.get("clusters")).get(0);
    Map<String, Object> restricted =
        Map.of(
            "apiVersion",
            "v1",
            "kind",
            "Config",
            "clusters",
            List.of(Map.of("name", "shared", "cluster", cluster.get("cluster"))),
            "users",
            List.of(Map.of("name", "ci", "user", Map.of("token", token))),
            "contexts",
            List.of(Map.of("name", "ci", "context", Map.of("cluster", "shared", "user", "ci"))),
            "current-context",
            "ci");
    return new Dump(DumpSettings.builder().build()).dumpToString(restricted);
  }

  private static Stack stack(String name, String target) throws Exception {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(
        file,
        """
        version: 1
        name: NAME
        target: TARGET
        manifests: {paths: [k8s]}
        services:
          postgres: {database: orders, service-name: orders-db, secret: {name: orders-db-credentials}}
        readiness: {timeout: 4m}
        """
            .replace("NAME", name)
            .replace("TARGET", target));
    return StackLoader.load(file);
  }

  @Test
  @DisplayName(
      "namespace-scoped rights: services, wiring and the production Job in pre-created namespaces;"
          + " another sandbox cannot reach its database; gc takes an expired one; down leaves"
          + " nothing")
  void a_sandbox_on_a_shared_cluster() throws Exception {
    // without pre-created namespaces, a namespace-scoped kubeconfig cannot start: it says what to
    // give, and leaves nothing behind
    Stack unmapped = stack("it-shared-x", "{context: ci, kubeconfig: restricted.yaml}");
    assertThatThrownBy(
            () ->
                engine.up(
                    unmapped, UpOptions.defaults().withPersistent(false), ProgressListener.NONE))
        .isInstanceOf(SandboxException.class)
        .hasMessageContaining("may not create namespace")
        .hasMessageContaining("target.namespaces");
    assertThat(admin.leases().inAnyNamespace().withLabel(Tenancy.SANDBOX).list().getItems())
        .isEmpty();

    Stack restricted =
        stack(
            "it-shared-a",
            "{context: ci, kubeconfig: restricted.yaml,"
                + " namespaces: {orders: ci-1-orders, sandbox: ci-1-services}}");
    List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();
    ProgressListener noting =
        event -> {
          if (event.phase() == ProgressListener.Phase.INFO) {
            notes.add(event.message());
          }
        };
    Sandbox a =
        engine.up(restricted, UpOptions.defaults().withReuse(false).withPersistent(false), noting);
    Sandbox b = null;
    try {
      // the production Job ran against the in-cluster PostgreSQL; the host sees its row through
      // the handle's port-forward
      PostgresEndpoint pg = a.endpoint(PostgresEndpoint.class).orElseThrow();
      assertThat(pg.host()).isEqualTo("127.0.0.1");
      try (Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password());
          ResultSet row = db.createStatement().executeQuery("select id from orders")) {
        assertThat(row.next()).isTrue();
        assertThat(row.getInt(1)).isEqualTo(42);
      }
      assertThat(
              admin
                  .apps()
                  .statefulSets()
                  .inNamespace("ci-1-services")
                  .withName("sandbox-postgres")
                  .get())
          .isNotNull();
      assertThat(
              admin
                  .services()
                  .inNamespace("ci-1-orders")
                  .withName("orders-db")
                  .get()
                  .getSpec()
                  .getType())
          .isEqualTo("ExternalName");
      // a second sandbox given the same pre-created namespaces is refused, and A is untouched
      Stack same =
          stack(
              "it-shared-y",
              "{context: ci, kubeconfig: restricted.yaml,"
                  + " namespaces: {orders: ci-1-orders, sandbox: ci-1-services}}");
      assertThatThrownBy(
              () ->
                  engine.up(
                      same,
                      UpOptions.defaults().withReuse(false).withPersistent(false),
                      ProgressListener.NONE))
          .isInstanceOf(SandboxException.class)
          .hasMessageContaining(
              "already holds sandbox " + a.state().services().get(ClusterFlow.STATE_KEY).get("id"));
      assertThat(
              admin
                  .leases()
                  .inNamespace("ci-1-services")
                  .withName(ClusterSandboxes.LEASE)
                  .get()
                  .getMetadata()
                  .getLabels())
          .containsEntry(Tenancy.NAME, "it-shared-a");
      // what a namespace-scoped kubeconfig cannot install is said, not silently dropped
      assertThat(String.join("\n", notes))
          .contains("admission policies act on the whole cluster")
          .contains("ci-1-orders: it was given pre-created")
          .contains("monitoring pack");

      // a sandbox with cluster rights gets namespaces of its own, prefixed with its id
      Stack full =
          stack(
              "it-shared-b",
              "{context: default, kubeconfig: admin.yaml, quota: {pods: '20', requests.memory: 2Gi},"
                  + " limits: {default: {memory: 256Mi}, default-request: {cpu: 20m, memory: 64Mi}}}");
      b =
          engine.up(
              full,
              UpOptions.defaults().withReuse(false).withPersistent(false),
              ProgressListener.NONE);
      String idB = b.state().services().get(ClusterFlow.STATE_KEY).get("id");
      assertThat(idB).startsWith("it-shared-b-");
      String servicesB = idB + "-sandbox";
      var ordersB = admin.namespaces().withName(idB + "-orders").get();
      assertThat(ordersB.getMetadata().getLabels())
          .containsEntry(Tenancy.SANDBOX, idB)
          .containsEntry(Tenancy.CREATED, "true")
          .containsEntry("sandbox.dev/expires", "while-its-process-lives")
          .containsKey("sandbox.dev/run")
          .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
      assertThat(
              admin
                  .batch()
                  .v1()
                  .jobs()
                  .inNamespace(idB + "-orders")
                  .withName("migrate")
                  .get()
                  .getStatus()
                  .getSucceeded())
          .isEqualTo(1);

      // the stack's budget: a quota in each of B's namespaces, and defaults that let the
      // services' pods (which set no resources) in under it
      assertThat(
              admin
                  .resourceQuotas()
                  .inNamespace(servicesB)
                  .withName("sandbox-quota")
                  .get()
                  .getSpec()
                  .getHard())
          .containsKeys("pods", "requests.memory");
      assertThat(
              admin
                  .pods()
                  .inNamespace(servicesB)
                  .withName("sandbox-postgres-0")
                  .get()
                  .getSpec()
                  .getContainers()
                  .get(0)
                  .getResources()
                  .getRequests())
          .containsKey("memory");

      // with cluster rights, the guardrails are B's own: named after it and bound to its
      // namespaces, so they judge B's objects and nobody else's
      assertThat(
              admin
                  .genericKubernetesResources(
                      "admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy")
                  .withName(idB + "-sandbox-resources")
                  .get())
          .isNotNull();
      assertThat(denied(idB + "-orders")).contains(idB + "-sandbox-resources");
      assertThat(denied("ci-1-orders")).isEmpty();

      // isolation: from B's namespace, A's database does not answer; B's own does
      assertThat(probe(servicesB, "sandbox-postgres.ci-1-services.svc.cluster.local"))
          .isEqualTo("Failed");
      assertThat(probe(servicesB, "sandbox-postgres." + servicesB + ".svc.cluster.local"))
          .isEqualTo("Succeeded");

      // B's owner goes away (as under kill -9: nobody renews its lease); gc collects it, and only
      // it
      b.close();
      b = null;
      admin
          .leases()
          .inNamespace(servicesB)
          .withName(ClusterSandboxes.LEASE)
          .edit(
              lease -> {
                lease.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(5));
                return lease;
              });
      assertThat(engine.clusterGc(full, false, ProgressListener.NONE))
          .singleElement()
          .asString()
          .startsWith(idB);
      List<String> collected = engine.clusterGc(full, true, ProgressListener.NONE);
      assertThat(collected).singleElement().asString().startsWith(idB);
      assertThat(admin.namespaces().withLabel(Tenancy.SANDBOX, idB).list().getItems()).isEmpty();
      assertThat(
              admin
                  .genericKubernetesResources(
                      "admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy")
                  .withLabel(Tenancy.SANDBOX, idB)
                  .list()
                  .getItems())
          .isEmpty();
      assertThat(admin.namespaces().withName("ci-1-services").get()).isNotNull();
      assertThat(admin.leases().inNamespace("ci-1-services").withName(ClusterSandboxes.LEASE).get())
          .isNotNull();
    } finally {
      if (b != null) {
        b.close();
        engine.down("it-shared-b", false, ProgressListener.NONE);
      }
      a.close();
      engine.down("it-shared-a", false, ProgressListener.NONE);
    }
    // down: the given namespaces stay (they are not the sandbox's to delete), empty of its objects
    for (String ns : List.of("ci-1-orders", "ci-1-services")) {
      assertThat(admin.namespaces().withName(ns).get()).isNotNull();
      assertThat(admin.apps().statefulSets().inNamespace(ns).list().getItems()).isEmpty();
      assertThat(admin.batch().v1().jobs().inNamespace(ns).list().getItems()).isEmpty();
      assertThat(admin.services().inNamespace(ns).withLabel(Tenancy.SANDBOX).list().getItems())
          .isEmpty();
      assertThat(admin.secrets().inNamespace(ns).withLabel(Tenancy.SANDBOX).list().getItems())
          .isEmpty();
      assertThat(admin.leases().inNamespace(ns).list().getItems()).isEmpty();
      // by name too: the wired Service and Secret, the packs' and the manifests' policies
      assertThat(admin.services().inNamespace(ns).list().getItems()).isEmpty();
      assertThat(admin.secrets().inNamespace(ns).withName("orders-db-credentials").get()).isNull();
      assertThat(admin.network().v1().networkPolicies().inNamespace(ns).list().getItems())
          .isEmpty();
      assertThat(admin.persistentVolumeClaims().inNamespace(ns).list().getItems()).isEmpty();
    }
    assertThat(admin.namespaces().withLabel(Tenancy.SANDBOX).list().getItems()).isEmpty();
    assertThat(engine.state("it-shared-a")).isEmpty();
  }

  /**
   * The admission policy that denies a dry-run of a Deployment without resources in {@code
   * namespace}, or empty when it is admitted (a LimitRange's defaults reach pods, not templates).
   */
  private static String denied(String namespace) {
    var deployment =
        new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
            .withNewMetadata()
            .withName("no-resources")
            .withNamespace(namespace)
            .withLabels(Map.of("app.kubernetes.io/name", "no-resources"))
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .addToMatchLabels("app", "x")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "x")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("x")
            .withImage("x:1")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    try {
      admin.resource(deployment).dryRun().create();
      return "";
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      return e.getMessage();
    }
  }

  @Test
  @DisplayName(
      "kill -9 of the process holding a sandbox's lease: gc leaves it alone while the lease"
          + " lives, then removes every namespace of that run")
  void a_killed_owner_is_collected_by_gc() throws Exception {
    Stack held = stack("it-shared-k", "{context: default, kubeconfig: admin.yaml}");
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    Process child =
        new ProcessBuilder(
                javaBin,
                "-cp",
                System.getProperty("java.class.path"),
                HoldSandbox.class.getName(),
                dir.resolve("it-shared-k.yaml").toString(),
                dir.resolve("state-k").toString())
            .redirectErrorStream(true)
            .start();
    java.util.concurrent.BlockingQueue<String> lines =
        new java.util.concurrent.LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (var in =
                  new java.io.BufferedReader(
                      new java.io.InputStreamReader(
                          child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                in.lines().forEach(lines::add);
              } catch (java.io.IOException e) {
                lines.add("(output closed: " + e.getMessage() + ")");
              }
            });
    reader.setDaemon(true);
    reader.start();
    String id = null;
    StringBuilder output = new StringBuilder();
    java.time.Instant deadline = java.time.Instant.now().plus(Duration.ofMinutes(4));
    try {
      while (id == null && java.time.Instant.now().isBefore(deadline)) {
        String line = lines.poll(5, TimeUnit.SECONDS);
        if (line != null) {
          output.append(line).append('\n');
          if (line.startsWith("READY ")) {
            id = line.substring("READY ".length());
          }
        }
        assertThat(child.isAlive() || id != null || !lines.isEmpty())
            .as("the holding JVM ended before READY:\n%s", output)
            .isTrue();
      }
      assertThat(id).as("READY within 4 minutes; it printed:\n%s", output).isNotNull();
      assertThat(admin.namespaces().withLabel(Tenancy.SANDBOX, id).list().getItems()).hasSize(2);
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up, no more renewals
      child.waitFor(30, TimeUnit.SECONDS);
    }
    // just killed: its lease still holds, so gc leaves it alone
    assertThat(engine.clusterGc(held, false, ProgressListener.NONE)).isEmpty();
    // within a minute nobody renewed it: expired (bounded wait)
    String expired = id;
    List<String> found = List.of();
    java.time.Instant until = java.time.Instant.now().plus(Duration.ofSeconds(120));
    while (found.isEmpty() && java.time.Instant.now().isBefore(until)) {
      Thread.sleep(5_000);
      found = engine.clusterGc(held, false, ProgressListener.NONE);
    }
    assertThat(found).singleElement().asString().startsWith(expired);
    assertThat(engine.clusterGc(held, true, ProgressListener.NONE))
        .singleElement()
        .asString()
        .startsWith(expired);
    assertThat(admin.namespaces().withLabel(Tenancy.SANDBOX, expired).list().getItems()).isEmpty();
  }

  @Test
  @DisplayName(
      "five throwaway sandboxes (as tests and exec start them) at once on one cluster all come up,"
          + " each with its own data, and leave nothing when closed")
  void five_sandboxes_at_once() throws Exception {
    int count = 5;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(count);
    List<java.util.concurrent.Future<Sandbox>> ups = new java.util.ArrayList<>();
    List<Stack> stacks = new java.util.ArrayList<>();
    for (int i = 1; i <= count; i++) {
      stacks.add(stack("it-shared-c" + i, "{context: default, kubeconfig: admin.yaml}"));
    }
    java.time.Instant begin = java.time.Instant.now();
    for (Stack one : stacks) {
      ups.add(pool.submit(() -> engine.upEphemeral(one, ProgressListener.NONE)));
    }
    List<Sandbox> sandboxes = new java.util.ArrayList<>();
    try {
      for (var up : ups) {
        sandboxes.add(up.get(8, TimeUnit.MINUTES));
      }
      System.out.printf(
          "five sandboxes up at once on one cluster in %.1f s%n",
          Duration.between(begin, java.time.Instant.now()).toMillis() / 1000.0);
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (Sandbox sandbox : sandboxes) {
        ids.add(sandbox.namespace("orders"));
        // each Job wrote into its own database: exactly one row each
        PostgresEndpoint pg = sandbox.endpoint(PostgresEndpoint.class).orElseThrow();
        try (Connection db =
                DriverManager.getConnection(pg.jdbcUrl(), pg.username(), pg.password());
            ResultSet row = db.createStatement().executeQuery("select count(*) from orders")) {
          assertThat(row.next()).isTrue();
          assertThat(row.getInt(1)).isEqualTo(1);
        }
      }
      assertThat(ids).hasSize(count);
    } finally {
      // a throwaway handle removes its sandbox when it closes: nothing else to call
      List<java.util.concurrent.Future<?>> closes = new java.util.ArrayList<>();
      for (Sandbox sandbox : sandboxes) {
        closes.add(pool.submit(sandbox::close));
      }
      for (var close : closes) {
        close.get(5, TimeUnit.MINUTES);
      }
      pool.shutdownNow();
    }
    for (Stack one : stacks) {
      assertThat(engine.state(one.name())).isEmpty();
    }
    assertThat(admin.namespaces().withLabel(Tenancy.SANDBOX).list().getItems()).isEmpty();
  }

  /**
   * Runs {@code pg_isready} against {@code host} from a pod in {@code namespace}: its phase,
   * Succeeded when the database answered within 5 s.
   */
  private static String probe(String namespace, String host) {
    String name = "probe-" + Integer.toHexString(host.hashCode() & 0xfffff);
    String image = engine.imageMap(StackLoader.embeddedDefault()).apply(TestImages.POSTGRES);
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
            .withName("probe")
            .withImage(image)
            .withImagePullPolicy("IfNotPresent")
            .withCommand("pg_isready", "-h", host, "-p", "5432", "-t", "5")
            .endContainer()
            .endSpec()
            .build();
    admin.pods().inNamespace(namespace).resource(pod).create();
    Pod done =
        admin
            .pods()
            .inNamespace(namespace)
            .withName(name)
            .waitUntilCondition(
                p ->
                    p != null
                        && ("Succeeded".equals(p.getStatus().getPhase())
                            || "Failed".equals(p.getStatus().getPhase())),
                90,
                TimeUnit.SECONDS);
    return done.getStatus().getPhase();
  }
}
