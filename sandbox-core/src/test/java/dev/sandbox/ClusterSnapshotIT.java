package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/**
 * A node boots from a snapshot of a ready cluster taken by an earlier node of the same image and
 * flags, and what the sandbox relies on works there as on a fresh node: the node's address and the
 * API server's endpoint are this container's, CoreDNS resolves, a ClusterIP Service reaches the
 * wired PostgreSQL, the published NodePort (Prometheus, awaited by {@code up}) answers. A snapshot
 * that restores nothing, or cannot be read, is discarded and the node boots afresh.
 */
@RequiresDocker
class ClusterSnapshotIT {

  @TempDir Path dir;

  private final List<ProgressListener.Event> events = new CopyOnWriteArrayList<>();

  private static final String PROBE =
      """
      apiVersion: batch/v1
      kind: Job
      metadata: {name: probe}
      spec:
        backoffLimit: 6
        template:
          spec:
            restartPolicy: Never
            containers:
              - name: probe
                image: postgres:17
                imagePullPolicy: IfNotPresent
                command: [sh, -c, 'getent hosts kubernetes.default.svc.cluster.local && pg_isready -h postgres -p 5432 -t 5']
                resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 64Mi}}
      """;

  @Test
  @DisplayName("the second node boots from the first one's snapshot; a broken snapshot is replaced")
  void nodes_boot_from_a_snapshot_of_a_ready_cluster() throws Exception {
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(dir.resolve("k8s/probe.yaml"), PROBE);
    Stack stack =
        StackLoader.load(
            Files.writeString(
                dir.resolve("sandbox.yaml"),
                """
                version: 1
                name: it-snapshot
                manifests: {paths: [k8s]}
                services:
                  rabbitmq: {enabled: false}
                policies: {packs: []}
                readiness: {timeout: 3m}
                """));
    Path snapshots = dir.resolve("snapshots");
    SandboxEngine engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")))
                .withSnapshots(java.util.Optional.of(snapshots)),
            dir.resolve("state"));

    // the first node boots afresh and keeps a snapshot, owner-only: it holds the cluster CA's keys
    String nodeImage;
    java.util.Set<String> firstPods;
    try (Sandbox sandbox = engine.upEphemeral(stack, events::add)) {
      assertThat(said("booting from a snapshot")).isFalse();
      assertThat(said("kept a snapshot of the ready cluster")).isTrue();
      assertWorks(sandbox);
      nodeImage =
          docker().inspectContainerCmd(sandbox.state().containers().get("k3s")).exec().getImageId();
      firstPods = podSandboxes(sandbox);
      assertThat(firstPods).isNotEmpty();
    }
    // a throwaway node has an image store of its own for its life: its down leaves it as the
    // machine's image seed and removes it
    String store = dev.sandbox.engine.LocalSlice.imageStoreName("it-snapshot");
    assertThat(volumeExists(store)).as("the throwaway's image store is gone").isFalse();
    assertThat(volumeExists(dev.sandbox.docker.ImageSeeds.volumeName(nodeImage)))
        .as("the machine's image seed of the node image")
        .isTrue();
    List<ClusterSnapshot> taken = engine.clusterSnapshots();
    assertThat(taken).hasSize(1);
    Path file = taken.get(0).file();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(snapshots)))
        .isEqualTo("rwx------");
    // etcd's datastore is in it, the space etcd reserves ahead for its next WAL segment is not,
    // and of the WAL segment only its frames (etcd preallocates each to 64 MB of zeros)
    Map<String, Long> entries = entries(file);
    assertThat(entries.keySet()).anyMatch(e -> e.endsWith("member/snap/db"));
    assertThat(entries.keySet()).noneMatch(e -> e.endsWith(".tmp"));
    assertThat(entries)
        .hasEntrySatisfying(
            entries.keySet().stream()
                .filter(e -> e.matches("server/db/etcd/member/wal/[0-9a-f-]+\\.wal"))
                .findFirst()
                .orElseThrow(),
            size -> assertThat(size).isPositive().isLessThan(32L << 20));

    // the second boots from it, takes none, and works the same
    events.clear();
    try (Sandbox sandbox = engine.upEphemeral(stack, events::add)) {
      assertThat(said("booting from a snapshot")).isTrue();
      assertThat(said("kept a snapshot")).isFalse();
      // and its new store starts from the seed the first one's down refreshed
      assertThat(said("the node's image store starts from the machine's image seed")).isTrue();
      assertThat(volumeExists(store)).isTrue();
      assertWorks(sandbox);
      // the first node's down emptied its containerd of pods before the seed took its store: none
      // of them is in this node's
      assertThat(podSandboxes(sandbox)).isNotEmpty().doesNotContainAnyElementsOf(firstPods);
    }
    assertThat(volumeExists(store)).isFalse();

    // a snapshot that restores nothing (an empty archive): the node boots afresh; it is replaced
    try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file));
        var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(out)) {
      tar.finish();
    }
    events.clear();
    try (Sandbox sandbox = engine.upEphemeral(stack, events::add)) {
      assertThat(said("could not be restored (the node boots afresh); discarded it")).isTrue();
      assertThat(said("kept a snapshot of the ready cluster")).isTrue();
      assertWorks(sandbox);
    }
    assertThat(Files.size(file)).isGreaterThan(100_000);

    // a file that cannot be read as one: the node started from it is removed, the slice starts
    // once more afresh and keeps a new snapshot
    Files.writeString(file, "not a snapshot");
    events.clear();
    try (Sandbox sandbox = engine.upEphemeral(stack, events::add)) {
      assertThat(said("did not come up from the cluster snapshot")).isTrue();
      assertThat(said("discarded it, starting afresh")).isTrue();
      assertThat(said("kept a snapshot of the ready cluster")).isTrue();
      assertWorks(sandbox);
    }
    assertThat(Files.size(file)).isGreaterThan(100_000);

    assertThat(engine.removeClusterSnapshots()).hasSize(1);
    assertThat(engine.clusterSnapshots()).isEmpty();
  }

  private static com.github.dockerjava.api.DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  /** The IDs of the pod sandboxes the node's containerd holds. */
  private static java.util.Set<String> podSandboxes(Sandbox sandbox) {
    String listed =
        dev.sandbox.k3s.K3sNode.exec(
            docker(),
            sandbox.state().containers().get("k3s"),
            "ctr",
            "-n",
            "k8s.io",
            "sandboxes",
            "ls");
    return listed
        .lines()
        .skip(1)
        .map(line -> line.split("\\s+")[0])
        .collect(java.util.stream.Collectors.toSet());
  }

  private static boolean volumeExists(String volume) {
    try {
      docker().inspectVolumeCmd(volume).exec();
      return true;
    } catch (com.github.dockerjava.api.exception.NotFoundException e) {
      return false;
    }
  }

  private boolean said(String text) {
    return events.stream().anyMatch(e -> e.message() != null && e.message().contains(text));
  }

  /** The entries of a snapshot file and their sizes. */
  private static Map<String, Long> entries(Path snapshot) throws java.io.IOException {
    Map<String, Long> sizes = new java.util.LinkedHashMap<>();
    try (var tar =
        new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
            new java.util.zip.GZIPInputStream(Files.newInputStream(snapshot)))) {
      for (var entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        sizes.put(entry.getName(), entry.getSize());
      }
    }
    return sizes;
  }

  /** This node's address everywhere it matters, and DNS and Service routing working in pods. */
  private static void assertWorks(Sandbox sandbox) {
    KubernetesClient k8s = sandbox.client();
    String nodeContainer = sandbox.state().containers().get("k3s");
    String ip =
        DockerClientFactory.instance()
            .client()
            .inspectContainerCmd(nodeContainer)
            .exec()
            .getNetworkSettings()
            .getNetworks()
            .values()
            .iterator()
            .next()
            .getIpAddress();
    List<String> nodeAddresses =
        k8s.nodes().list().getItems().stream()
            .flatMap(n -> n.getStatus().getAddresses().stream())
            .filter(a -> a.getType().equals("InternalIP"))
            .map(NodeAddress::getAddress)
            .toList();
    assertThat(nodeAddresses).containsExactly(ip);
    List<String> apiEndpoints =
        k8s
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace("default")
            .withLabel("kubernetes.io/service-name", "kubernetes")
            .list()
            .getItems()
            .stream()
            .flatMap(s -> s.getEndpoints().stream())
            .map(Endpoint::getAddresses)
            .flatMap(List::stream)
            .toList();
    assertThat(apiEndpoints).containsExactly(ip);
    // up waited for the probe Job (DNS, the wired PostgreSQL through its Service) to complete
    assertThat(
            k8s.batch()
                .v1()
                .jobs()
                .inNamespace("default")
                .withName("probe")
                .get()
                .getStatus()
                .getSucceeded())
        .isEqualTo(1);
  }
}
