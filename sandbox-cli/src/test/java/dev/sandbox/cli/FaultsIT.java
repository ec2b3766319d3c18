package dev.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Ports;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/**
 * Faults a user meets, against real containers: a killed or interrupted {@code up}, two {@code up}
 * at once, a killed PostgreSQL, a {@code DOCKER_HOST} that does not answer, and the promise that
 * nothing the sandbox starts listens beyond loopback.
 */
class FaultsIT {

  private static final String STACK =
      """
      version: 1
      name: %s
      policies: {packs: []}
      monitoring: {enabled: false}
      readiness: {timeout: 3m}
      """;

  @TempDir Path dir;

  private final List<String> names = new ArrayList<>();
  private DockerClient docker;

  record Run(int code, String out, String err) {
    String all() {
      return out + err;
    }
  }

  @BeforeEach
  void docker() {
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException("FaultsIT needs a Docker engine");
    }
    docker = DockerClientFactory.instance().client();
  }

  @AfterEach
  void down() {
    for (String name : names) {
      run("down", "--purge", "--name", name);
    }
  }

  private Path stack(String name) throws IOException {
    names.add(name);
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, STACK.formatted(name));
    return file;
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("SANDBOX_HOME", dir.resolve("state").toString());
    env.remove("SANDBOX_NAME");
    env.remove("SANDBOX_FILE");
    env.remove("CI");
    return env;
  }

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Cli.create(
                new Environment(env(), dir.resolve("home"), dir, false),
                new PrintWriter(out, true),
                new PrintWriter(err, true))
            .execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** What each child printed, for failure messages. */
  private final Map<Process, Path> logs = new java.util.concurrent.ConcurrentHashMap<>();

  private String output(Process process) {
    try {
      return Files.readString(logs.get(process));
    } catch (IOException e) {
      return "(its output cannot be read: " + e + ")";
    }
  }

  /** `sandbox ARGS` in a JVM of its own, as a second terminal (or a killed one) would run it. */
  private Process child(Map<String, String> extraEnv, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Duser.home=" + dir.resolve("home"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
    // the child sees exactly this test's environment: a CI variable inherited from the build
    // would make its up refuse to reuse, which is what these tests are about
    builder.environment().clear();
    builder.environment().putAll(env());
    builder.environment().put("TESTCONTAINERS_REUSE_ENABLE", "true");
    builder.environment().putAll(extraEnv);
    Path log = Files.createTempFile(dir, "child", ".log");
    builder.redirectOutput(log.toFile());
    Process process = builder.start();
    logs.put(process, log);
    return process;
  }

  private List<Container> containers(String name) {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of("dev.sandbox.name", name))
        .exec();
  }

  private Container component(String name, String component) {
    return containers(name).stream()
        .filter(c -> component.equals(c.getLabels().get("dev.sandbox.component")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + component + " container of " + name));
  }

  private void awaitContainer(String name, Duration limit) throws InterruptedException {
    Instant deadline = Instant.now().plus(limit);
    while (containers(name).isEmpty()) {
      assertThat(Instant.now()).as("a container of %s within %s", name, limit).isBefore(deadline);
      Thread.sleep(200);
    }
  }

  private void assertNothingLeft(String name) {
    assertThat(containers(name)).as("containers of " + name).isEmpty();
    assertThat(
            docker
                .listNetworksCmd()
                .withFilter("label", List.of("dev.sandbox.name=" + name))
                .exec())
        .as("networks of " + name)
        .isEmpty();
    assertThat(
            docker
                .listVolumesCmd()
                .withFilter("label", List.of("dev.sandbox.name=" + name))
                .exec()
                .getVolumes())
        .as("volumes of " + name)
        .isNullOrEmpty();
  }

  @Test
  @DisplayName("kill -9 during up: the next up replaces the interrupted start, saying so")
  void a_killed_up_is_replaced_by_the_next_one() throws Exception {
    Path file = stack("it-fault-kill");
    Process first = child(Map.of(), "up", "-f", file.toString());
    awaitContainer("it-fault-kill", Duration.ofSeconds(90));
    first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    assertThat(containers("it-fault-kill")).isNotEmpty();

    Run up = run("up", "-f", file.toString());

    assertThat(up.code()).as(up.all()).isZero();
    assertThat(up.out())
        .contains("found an interrupted start", "Sandbox 'it-fault-kill' is ready.");
    assertThat(containers("it-fault-kill"))
        .extracting(c -> c.getLabels().get("dev.sandbox.component"))
        .containsExactlyInAnyOrder("k3s", "postgres", "rabbitmq");
  }

  @Test
  @DisplayName("Ctrl-C during up removes what that up started, its new data volumes included")
  void an_interrupted_up_cleans_up_after_itself() throws Exception {
    Path file = stack("it-fault-int");
    Process up = child(Map.of(), "up", "-f", file.toString());
    awaitContainer("it-fault-int", Duration.ofSeconds(90));
    Thread.sleep(1_000);
    new ProcessBuilder("kill", "-INT", Long.toString(up.pid())).start().waitFor();

    assertThat(up.waitFor(60, TimeUnit.SECONDS)).as("up ends within 60 s of Ctrl-C").isTrue();
    try {
      assertNothingLeft("it-fault-int");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nThe interrupted up printed:\n" + output(up), e);
    }
    assertThat(dir.resolve("state/it-fault-int/state.json")).doesNotExist();
  }

  @Test
  @DisplayName("two up of one name at once: one starts it, the other waits and reuses it")
  void two_concurrent_ups_share_one_sandbox() throws Exception {
    Path file = stack("it-fault-two");
    Process one = child(Map.of(), "up", "-f", file.toString());
    Process two = child(Map.of(), "up", "-f", file.toString());
    assertThat(one.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(two.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String outputs = childLogs();

    assertThat(one.exitValue()).as(outputs).isZero();
    assertThat(two.exitValue()).as(outputs).isZero();
    assertThat(outputs)
        .contains("is starting or removing 'it-fault-two'; waiting for it")
        .contains("reusing the running sandbox")
        .doesNotContain("Status 409", "Conflict", "Exception");
    assertThat(containers("it-fault-two")).hasSize(3);
  }

  @Test
  @DisplayName("down during an up waits for it, says so, then removes everything")
  void down_racing_an_up_waits_for_it() throws Exception {
    Path file = stack("it-fault-race");
    Process up = child(Map.of(), "up", "-f", file.toString());
    awaitContainer("it-fault-race", Duration.ofSeconds(90));

    Run down = run("down", "--purge", "--name", "it-fault-race");

    assertThat(up.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(down.code()).as(down.all()).isZero();
    assertThat(down.err()).contains("is starting or removing 'it-fault-race'; waiting for it");
    assertThat(down.out()).contains("Sandbox 'it-fault-race' is down.");
    assertThat(down.all()).doesNotContain("Exception", "Status 409", "Status 404");
    assertNothingLeft("it-fault-race");
  }

  private String childLogs() throws IOException {
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path log : files.filter(f -> f.getFileName().toString().startsWith("child")).toList()) {
        all.append("--- ").append(log.getFileName()).append('\n');
        all.append(Files.readString(log, StandardCharsets.UTF_8));
      }
    }
    return all.toString();
  }

  @Test
  @DisplayName(
      "a killed PostgreSQL is restarted alone, on its port, and the cluster keeps its objects;"
          + " nothing listens beyond loopback")
  void a_killed_postgres_is_restarted_alone() throws Exception {
    Path file = stack("it-fault-pg");
    Run up = run("up", "-f", file.toString());
    assertThat(up.code()).as(up.all()).isZero();
    assertLoopbackOnly("it-fault-pg");

    String k3s = component("it-fault-pg", "k3s").getId();
    String postgres = component("it-fault-pg", "postgres").getId();
    int port = publicPort(component("it-fault-pg", "postgres"), 5432);
    Path kubeconfig = dir.resolve("state/it-fault-pg/kubeconfig");
    try (KubernetesClient client = client(kubeconfig)) {
      client
          .configMaps()
          .inNamespace("default")
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("made-by-hand")
                  .endMetadata()
                  .addToData("kept", "yes")
                  .build())
          .create();
    }
    docker.killContainerCmd(postgres).exec();

    Run again = run("up", "-f", file.toString());

    assertThat(again.code()).as(again.all()).isZero();
    assertThat(again.out())
        .contains("not all of its containers run (postgres exited)")
        .contains("restarting only those, on the same ports and data volumes")
        .doesNotContain("recreating the sandbox");
    assertThat(component("it-fault-pg", "k3s").getId()).isEqualTo(k3s);
    Container restarted = component("it-fault-pg", "postgres");
    assertThat(restarted.getId()).isNotEqualTo(postgres);
    assertThat(restarted.getState()).isEqualTo("running");
    assertThat(publicPort(restarted, 5432)).isEqualTo(port);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    }
    String ip =
        docker
            .inspectContainerCmd(restarted.getId())
            .exec()
            .getNetworkSettings()
            .getNetworks()
            .get("sandbox-it-fault-pg")
            .getIpAddress();
    try (KubernetesClient client = client(kubeconfig)) {
      assertThat(
              client.configMaps().inNamespace("default").withName("made-by-hand").get().getData())
          .containsEntry("kept", "yes");
      String wired =
          new ObjectMapper()
              .writeValueAsString(
                  client
                      .discovery()
                      .v1()
                      .endpointSlices()
                      .inNamespace("default")
                      .withLabel("kubernetes.io/service-name", "postgres")
                      .list());
      assertThat(wired).as("the wired Service points at the new container").contains(ip);
    }
    assertLoopbackOnly("it-fault-pg");
  }

  private static KubernetesClient client(Path kubeconfig) throws IOException {
    return new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
        .build();
  }

  private int publicPort(Container container, int privatePort) {
    for (var port : container.getPorts()) {
      if (port.getPrivatePort() != null
          && port.getPrivatePort() == privatePort
          && port.getPublicPort() != null) {
        return port.getPublicPort();
      }
    }
    throw new AssertionError("port " + privatePort + " is not published");
  }

  /**
   * Every published port of the sandbox's containers and of Testcontainers' reaper is bound to
   * 127.0.0.1, as Docker records it and as the host's listening sockets show.
   */
  private void assertLoopbackOnly(String name) throws IOException {
    List<Container> checked = new ArrayList<>(containers(name));
    // `sandbox up` starts no reaper of its own (its containers are persistent), so this JVM
    // has Testcontainers start one, with sandbox-core on the class path as any user's would (with
    // reuse enabled the reaper starts on demand: when a container asks for its session labels)
    org.testcontainers.utility.ResourceReaper.instance().getLabels();
    List<Container> reapers =
        docker.listContainersCmd().exec().stream()
            .filter(c -> c.getImage() != null && c.getImage().contains("ryuk"))
            .toList();
    assertThat(reapers).as("Testcontainers' reaper runs for this JVM").isNotEmpty();
    checked.addAll(reapers);
    Set<Integer> hostPorts = new HashSet<>();
    for (Container container : checked) {
      var bindings =
          docker
              .inspectContainerCmd(container.getId())
              .exec()
              .getNetworkSettings()
              .getPorts()
              .getBindings();
      for (var entry : bindings.entrySet()) {
        if (entry.getValue() == null) {
          continue;
        }
        for (Ports.Binding binding : entry.getValue()) {
          assertThat(binding.getHostIp())
              .as("%s %s", container.getNames()[0], entry.getKey())
              .isEqualTo("127.0.0.1");
          hostPorts.add(Integer.parseInt(binding.getHostPortSpec()));
        }
      }
    }
    assertThat(hostPorts).isNotEmpty();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path path = Path.of(table);
      if (!Files.isReadable(path)) {
        continue;
      }
      for (String line : Files.readAllLines(path).subList(1, Files.readAllLines(path).size())) {
        String[] fields = line.trim().split("\\s+");
        String[] local = fields[1].split(":");
        int port = Integer.parseInt(local[1], 16);
        boolean listening = fields[3].equals("0A");
        if (listening && hostPorts.contains(port)) {
          assertThat(local[0])
              .as("%s port %d listens on 127.0.0.1 only", table, port)
              .isEqualTo("0100007F");
        }
      }
    }
  }

  @Test
  @DisplayName("DOCKER_HOST naming an engine that does not answer fails with exit 3, naming it")
  void a_docker_host_that_does_not_answer_is_named() throws Exception {
    for (String[] command : List.of(new String[] {"status"}, new String[] {"doctor"})) {
      Process process = child(Map.of("DOCKER_HOST", "tcp://127.0.0.1:1"), command);
      assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
      String log = childLogs();
      assertThat(process.exitValue()).as(log).isEqualTo(3);
      assertThat(log).contains("DOCKER_HOST=tcp://127.0.0.1:1").doesNotContain("No problems found");
      try (var files = Files.list(dir)) {
        for (Path child :
            files.filter(f -> f.getFileName().toString().startsWith("child")).toList()) {
          Files.delete(child);
        }
      }
    }
  }
}
