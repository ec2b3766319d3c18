package dev.sandbox.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.sandbox.ImageMap;
import dev.sandbox.ProgressListener;
import dev.sandbox.SandboxException;
import dev.sandbox.SandboxState;
import dev.sandbox.docker.DockerEngine;
import dev.sandbox.docker.Labels;
import dev.sandbox.docker.SandboxNetwork;
import dev.sandbox.docker.SandboxPullPolicy;
import dev.sandbox.k3s.ClusterSnapshots;
import dev.sandbox.k3s.ImagePreload;
import dev.sandbox.k3s.K3sNode;
import dev.sandbox.manifest.HelmCharts;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.manifest.ManifestImages;
import dev.sandbox.manifest.ManifestLoader;
import dev.sandbox.monitoring.MonitoringPack;
import dev.sandbox.service.BackingService;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.service.Credentials;
import dev.sandbox.service.Registry;
import dev.sandbox.stack.ServiceSpec;
import dev.sandbox.stack.Stack;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.k3s.K3sContainer;

/**
 * The slice on the local Docker engine: one network, a data volume per backing service, and the k3s
 * and service containers, started concurrently and published on 127.0.0.1 only. It knows what it
 * created, so a failed or interrupted start removes exactly that — never a data volume that held
 * data before. Internal.
 */
public final class LocalSlice {

  /** How long Ctrl-C waits for the container starts in flight to stop before cleaning up. */
  private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(15);

  /**
   * How long a node booting from a cluster snapshot gets to say it is usable (a fresh one gets the
   * stack's readiness timeout); beyond it the snapshot is given up.
   */
  private static final Duration RESTORED_WITHIN = Duration.ofSeconds(120);

  /**
   * How long the node gets to be usable: the stack's readiness {@code timeout}, at most {@link
   * #RESTORED_WITHIN} for a node {@code restored} from a snapshot.
   */
  public static Duration nodeTimeout(Duration timeout, boolean restored) {
    return restored && timeout.compareTo(RESTORED_WITHIN) > 0 ? RESTORED_WITHIN : timeout;
  }

  /** Ports of the k3s node published on 127.0.0.1. */
  private static final List<Integer> NODE_PORTS =
      // the monitoring pack's NodePort is published whether or not the pack is on yet, so that
      // turning it on later is an in-place change
      List.of(
          K3sContainer.KUBE_SECURE_PORT,
          K3sContainer.RANCHER_WEBHOOK_PORT,
          MonitoringPack.NODE_PORT);

  private final DockerClient docker;
  private final Stack stack;
  private final ImageMap images;
  private final boolean offline;
  private final String stateRoot;
  private final String version;
  private final Set<String> createdVolumes = ConcurrentHashMap.newKeySet();

  /** This start created the node's image store (none was kept from an earlier node). */
  private volatile boolean storeCreated;

  private final ExecutorService pool = ContainerStarts.pool();
  private final SliceContainers layout;

  /** Where snapshots of ready clusters are kept; null when the node never boots from one. */
  private ClusterSnapshots snapshots;

  /** The node container, once made; restoring a snapshot into it or not. */
  private volatile K3sNode.Container node;

  private volatile boolean restoring;

  private volatile Optional<String> snapshotKey = Optional.empty();

  /** Ctrl-C: whatever fails now fails because of it. */
  private volatile boolean interrupted;

  public LocalSlice(
      DockerClient docker,
      Stack stack,
      ImageMap images,
      boolean offline,
      String stateRoot,
      String version) {
    this.docker = docker;
    this.stack = stack;
    this.images = images;
    this.offline = offline;
    this.stateRoot = stateRoot;
    this.version = version;
    this.layout =
        new SliceContainers(
            docker, stack.name(), stack.hash(), version, stateRoot, stack.readiness().timeout());
  }

  /**
   * Lets the node boot from a snapshot of a ready cluster of the same image and flags kept in
   * {@code snapshots}, when there is one.
   */
  public LocalSlice withSnapshots(ClusterSnapshots snapshots) {
    this.snapshots = snapshots;
    return this;
  }

  /**
   * True when the node was to boot from a snapshot and is not running: the snapshot is suspect (ask
   * before {@link #abandon} removes the node).
   */
  public boolean snapshotBootFailed() {
    K3sNode.Container k3s = node;
    if (!restoring || k3s == null || interrupted) {
      return false;
    }
    if (restoreFailed()) {
      return true;
    }
    String id = k3s.getContainerId();
    if (id == null) {
      return false; // it never got as far as the node: not the snapshot's doing
    }
    try {
      var state = docker.inspectContainerCmd(id).exec().getState();
      boolean started =
          state.getStartedAt() != null && !state.getStartedAt().startsWith("0001-01-01");
      // it started, and died or never said it was usable
      return started && (!Boolean.TRUE.equals(state.getRunning()) || !k3s.started());
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** True when the snapshot could not be copied into the node whole. */
  public boolean restoreFailed() {
    K3sNode.Container k3s = node;
    return restoring && k3s != null && k3s.restoreFailure().isPresent();
  }

  /**
   * The key of the node's cluster snapshot, once the node is made; empty when snapshots are off.
   */
  public Optional<String> snapshotKey() {
    return snapshotKey;
  }

  /** The Docker network of sandbox {@code name}. */
  public static String networkName(String name) {
    return "sandbox-" + name;
  }

  private static String volumeName(String sandbox, String service) {
    return "sandbox-" + sandbox + "-" + service + "-data";
  }

  /**
   * Fills the new image store from the machine's image seed: true when it did, so the node finds
   * the images an earlier node held instead of unpacking them again.
   */
  private boolean seeded(String nodeImageId, String imageStore, ProgressListener listener) {
    try {
      Optional<Duration> took = dev.sandbox.docker.ImageSeeds.fill(docker, nodeImageId, imageStore);
      took.ifPresent(
          t ->
              listener.onEvent(
                  ProgressListener.Event.done(
                      "images", "the node's image store starts from the machine's image seed", t)));
      return took.isPresent();
    } catch (RuntimeException e) {
      return false; // an empty store, as without a seed
    }
  }

  /**
   * The node's image store of sandbox {@code name}: k3s's containerd folder in a volume of its own,
   * which {@code down} keeps (and {@code down --purge} removes), so the next node of that name
   * finds every image it held — the add-ons', the monitoring pack's and the team's — and imports
   * none of them again. One store per name: no two running nodes ever share a containerd.
   */
  public static String imageStoreName(String name) {
    return "sandbox-" + name + "-images";
  }

  /**
   * The CPU shares of the service containers (PostgreSQL, RabbitMQ, ...) while the node boots: an
   * eighth of the default, so that on a busy machine the node's boot, which every `up` waits for,
   * gets the cores first, and the services, ready seconds before the cluster, take the rest. Shares
   * weigh only under contention: an idle core still serves a service at full speed. {@link
   * #fullCpuShares} gives them the default once the sandbox is ready, so tests find them equal.
   */
  static final int BOOT_CPU_SHARES = 128;

  /**
   * Whether the engine can weigh containers' CPU (its info says so; rootless engines without the
   * cgroup's cpu controller cannot, and would refuse a container that asks): the boot share is only
   * asked for where it can be given.
   */
  static boolean cpuSharesSupported() {
    try {
      return Boolean.TRUE.equals(
          org.testcontainers.DockerClientFactory.instance().getInfo().getCpuShares());
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Docker's default CPU shares. */
  private static final int DEFAULT_CPU_SHARES = 1024;

  /**
   * Gives the sandbox's service containers the default CPU shares back (see {@link
   * #BOOT_CPU_SHARES}); a container that is gone or an engine that refuses keeps what it had.
   */
  public static void fullCpuShares(DockerClient docker, Map<String, String> containers) {
    if (!cpuSharesSupported()) {
      return;
    }
    containers.forEach(
        (component, id) -> {
          if (!component.equals("k3s")) {
            try {
              docker.updateContainerCmd(id).withCpuShares(DEFAULT_CPU_SHARES).exec();
            } catch (RuntimeException e) {
              // the service runs on, at the boot share
            }
          }
        });
  }

  /** Where k3s keeps its containerd (images, snapshots) inside the node. */
  public static final String CONTAINERD_PATH = "/var/lib/rancher/k3s/agent/containerd";

  /**
   * A slice being started, with the images loading into its node meanwhile.
   *
   * @param snapshotKey the key of the node's cluster snapshot, empty when snapshots are off
   * @param restored the node booted from that snapshot (else the engine may take one once the
   *     cluster is ready)
   * @param starting just before the containers started, by this machine's clock
   * @param restoreFailure why the snapshot could not be copied into the node whole, when it could
   *     not
   */
  public record Started(
      Slice slice,
      ImagePreload preload,
      Optional<String> snapshotKey,
      boolean restored,
      Instant starting,
      java.util.function.Supplier<Optional<String>> restoreFailure) {}

  /**
   * Starts the network, volumes and containers. Images in {@code preloadable} load into the node as
   * soon as its containerd answers, while the rest starts.
   */
  public Started start(
      boolean persistent,
      Map<String, Credentials> credentials,
      List<BackingService> services,
      List<String> preloadable,
      java.util.function.Consumer<List<String>> onNewVolumes,
      ProgressListener listener) {
    String name = stack.name();
    // No container of this sandbox exists (the plan said so): a network left by a killed run is
    // stale.
    DockerEngine.removeAll(docker, name, true);
    Network network =
        SandboxNetwork.create(
            docker,
            networkName(name),
            Labels.of(name, stack.hash(), version, "network"),
            persistent);
    String nodeImage = resolve(stack.k3s().image());
    K3sNode.Container k3s = K3sNode.container(nodeImage, stack.k3s().ingress());
    String nodeImageId = K3sNode.imageId(docker, nodeImage);
    Optional<String> snapshotKey =
        snapshots == null
            ? Optional.empty()
            : Optional.of(
                ClusterSnapshots.key(
                    nodeImageId == null ? nodeImage : nodeImageId, List.of(k3s.getCommandParts())));
    Optional<java.nio.file.Path> snapshot = snapshotKey.flatMap(snapshots::find);
    node = k3s;
    restoring = snapshot.isPresent();
    this.snapshotKey = snapshotKey;
    snapshot.ifPresent(
        file -> {
          k3s.restoringFrom(file);
          listener.onEvent(
              ProgressListener.Event.info(
                  "k3s",
                  "booting from a snapshot of a ready cluster (" + file.getFileName() + ")"));
        });
    List<Integer> nodePorts = new ArrayList<>(NODE_PORTS);
    nodePorts.addAll(stack.k3s().publishedPorts());
    // a sandbox that outlives its process keeps its images across `down`/`up`; a throwaway one
    // (tests) has a store of its own for its life, filled from the machine's image seed like a new
    // name's, which its `down` (or the resource reaper) removes: it leaves nothing behind
    String imageStore = imageStoreName(name);
    // whether the node's store holds images already: kept from an earlier node of this name, or
    // being filled from the machine's image seed (a name never started here) while the rest starts
    boolean storeKept =
        layout.imageStore(imageStore, nodeImageId == null ? nodeImage : nodeImageId, persistent);
    storeCreated = !storeKept;
    java.util.concurrent.CompletableFuture<Boolean> storeHolds =
        storeKept
            ? java.util.concurrent.CompletableFuture.completedFuture(true)
            : java.util.concurrent.CompletableFuture.supplyAsync(
                () -> seeded(nodeImageId, imageStore, listener), pool);
    k3s.createdAfter(storeHolds);
    layout.configure(k3s, "k3s", network, nodePorts, imageStore, CONTAINERD_PATH, Map.of());
    if (snapshot.isPresent()) {
      // a node from a snapshot is usable within seconds: one that is not, is not going to be
      k3s.withStartupTimeout(nodeTimeout(stack.readiness().timeout(), true));
    }
    Map<BackingService, GenericContainer<?>> serviceContainers = new LinkedHashMap<>();
    for (BackingService service : services) {
      String volume = volumeName(name, service.id());
      boolean created = layout.createVolume(volume, service.id(), persistent);
      if (created) {
        createdVolumes.add(volume);
      }
      serviceContainers.put(
          service, serviceContainer(service, network, credentials, !created, Map.of()));
    }
    onNewVolumes.accept(List.copyOf(createdVolumes));
    List<GenericContainer<?>> all = new ArrayList<>();
    all.add(k3s);
    all.addAll(serviceContainers.values());
    if (persistent) {
      all.forEach(c -> c.withReuse(true));
    }
    Instant starting = Instant.now();
    ImagePreload preload =
        ImagePreload.start(
            docker,
            k3s::getContainerId,
            preloadable,
            storeHolds::join,
            stack.readiness().timeout());
    try {
      ContainerStarts.all(all, listener, pool);
    } catch (RuntimeException e) {
      preload.cancel();
      throw e;
    }
    Map<String, String> containers = new LinkedHashMap<>();
    Map<String, Map<String, String>> details = new LinkedHashMap<>();
    List<ClusterBinding> bindings = new ArrayList<>();
    containers.put("k3s", k3s.getContainerId());
    details.put(
        MonitoringPack.SERVICE,
        Map.of("url", "http://127.0.0.1:" + k3s.getMappedPort(MonitoringPack.NODE_PORT)));
    if (!stack.k3s().publishedPorts().isEmpty()) {
      Map<String, String> published = new LinkedHashMap<>();
      stack
          .k3s()
          .publishedPorts()
          .forEach(
              port -> published.put(String.valueOf(port), "127.0.0.1:" + k3s.getMappedPort(port)));
      details.put(dev.sandbox.inspect.Traffic.STATE_KEY, published);
    }
    serviceContainers.forEach(
        (service, container) -> {
          containers.put(service.id(), container.getContainerId());
          details.put(service.id(), hostDetails(service, container, credentials));
          bindings.add(
              service.binding(spec(service), credentials.get(service.id()), ipOn(container, name)));
        });
    int apiPort = k3s.getMappedPort(K3sContainer.KUBE_SECURE_PORT);
    return new Started(
        new Slice(
            k3s.getContainerId(), apiPort, k3s.getKubeConfigYaml(), containers, details, bindings),
        preload,
        snapshotKey,
        snapshot.isPresent(),
        starting,
        k3s::restoreFailure);
  }

  /**
   * Replaces the named service containers (dead: killed, OOM, stopped) by new ones on the same
   * network alias, data volume, credentials and host ports, so connection URLs handed out before
   * stay valid. Returns the state with the new containers; the cluster must be re-wired after.
   */
  public SandboxState restart(
      SandboxState state,
      Set<String> components,
      Map<String, Credentials> credentials,
      ProgressListener listener) {
    Network network = SandboxNetwork.existing(docker, networkName(stack.name()));
    SandboxState current = state;
    for (BackingService service : Registry.enabledIn(stack)) {
      if (!components.contains(service.id())) {
        continue;
      }
      String oldId = current.containers().get(service.id());
      if (oldId != null) {
        try {
          docker.removeContainerCmd(oldId).withForce(true).exec();
        } catch (NotFoundException e) {
          // already gone
        }
      }
      GenericContainer<?> container =
          serviceContainer(
              service,
              network,
              credentials,
              true,
              pinnedPorts(current.services().get(service.id())));
      container.withReuse(true);
      ContainerStarts.all(List.of(container), listener, ContainerStarts.pool());
      current =
          current.withComponent(
              service.id(),
              container.getContainerId(),
              hostDetails(service, container, credentials));
    }
    return current;
  }

  /** A service's container on the sandbox's network, its data volume and loopback-only ports. */
  private GenericContainer<?> serviceContainer(
      BackingService service,
      Network network,
      Map<String, Credentials> credentials,
      boolean existingData,
      Map<Integer, Integer> pinnedPorts) {
    ServiceSpec spec = spec(service);
    GenericContainer<?> container =
        service.container(spec, resolve(spec.image()), credentials.get(service.id()), existingData);
    layout.configure(
        container,
        service.id(),
        network,
        service.publishedPorts(),
        volumeName(stack.name(), service.id()),
        service.dataPath(),
        pinnedPorts);
    return container;
  }

  private ServiceSpec spec(BackingService service) {
    return stack.service(service.id()).orElseThrow();
  }

  /**
   * A service's connection details for the host, plus the host port of each published container
   * port ({@code published.<port>}), so that a replacement container gets the same ones.
   */
  private Map<String, String> hostDetails(
      BackingService service, GenericContainer<?> container, Map<String, Credentials> credentials) {
    Map<Integer, Integer> ports = new HashMap<>();
    service.publishedPorts().forEach(p -> ports.put(p, container.getMappedPort(p)));
    Map<String, String> details =
        new LinkedHashMap<>(
            service.hostDetails(spec(service), credentials.get(service.id()), ports));
    ports.forEach((inside, outside) -> details.put("published." + inside, outside.toString()));
    return details;
  }

  private static Map<Integer, Integer> pinnedPorts(Map<String, String> details) {
    Map<Integer, Integer> pinned = new HashMap<>();
    if (details != null) {
      details.forEach(
          (key, value) -> {
            if (key.startsWith("published.") && value.matches("\\d+")) {
              pinned.put(
                  Integer.parseInt(key.substring("published.".length())), Integer.parseInt(value));
            }
          });
    }
    return pinned;
  }

  /**
   * Removes what this start made: its containers and network and the data volumes it created; true
   * when volumes of earlier runs (holding data) were kept.
   */
  public synchronized boolean abandon() {
    String name = stack.name();
    DockerEngine.removeAll(docker, name, true);
    boolean kept = false;
    for (String volume : DockerEngine.volumes(docker, name)) {
      if (volume.equals(imageStoreName(name))) {
        // made by this start: it goes with it; kept from an earlier node: it stays, holding images
        if (storeCreated) {
          DockerEngine.removeVolume(docker, volume);
        }
      } else if (createdVolumes.contains(volume)) {
        DockerEngine.removeVolume(docker, volume);
      } else {
        kept = true;
      }
    }
    return kept;
  }

  /**
   * For Ctrl-C: stops the container starts in flight, removes what exists at once (a removed
   * container also ends a start waiting on it), waits for the starts to end, then sweeps until
   * nothing of the sandbox has shown up for a few seconds: a create the engine was still processing
   * when the first removal ran is caught by the sweep.
   *
   * @param problems told of each removal that failed, for the front end to show
   * @return true when volumes of earlier runs (holding data) were kept
   */
  public boolean interrupt(java.util.function.Consumer<String> problems) {
    interrupted = true;
    pool.shutdownNow();
    boolean kept = abandonReporting(problems);
    try {
      pool.awaitTermination(INTERRUPT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kept |= abandonReporting(problems);
    Instant until = Instant.now().plus(Duration.ofSeconds(15));
    Instant quiet = Instant.now().plus(Duration.ofSeconds(4));
    while (Instant.now().isBefore(until)) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      try {
        if (!DockerEngine.containers(docker, stack.name()).isEmpty()
            || !DockerEngine.networks(docker, stack.name()).isEmpty()) {
          kept |= abandonReporting(problems);
          quiet = Instant.now().plus(Duration.ofSeconds(2));
        } else if (Instant.now().isAfter(quiet)) {
          break;
        }
      } catch (RuntimeException e) {
        problems.accept("listing what is left failed: " + DockerEngine.rootMessage(e));
      }
    }
    return kept;
  }

  private boolean abandonReporting(java.util.function.Consumer<String> problems) {
    try {
      return abandon();
    } catch (RuntimeException e) {
      // the engine refused one removal (busy): the sweep tries again
      problems.accept("a removal failed, retrying: " + DockerEngine.rootMessage(e));
      return false;
    }
  }

  /**
   * Images to load while k3s starts: the stack's own (which must exist locally — checked before
   * anything starts) and the monitoring pack's when the local Docker engine has it.
   */
  public List<String> preloadable() {
    List<String> result = new ArrayList<>();
    for (String image : stack.images()) {
      String local = images.apply(image);
      if (!DockerEngine.hasImage(docker, local)) {
        throw new SandboxException.ImageUnavailable(
            local,
            "Image "
                + local
                + " (listed under 'images' in "
                + stack.source().map(Object::toString).orElse("the stack")
                + ") is not in the local Docker engine. Build it first (docker build -t "
                + local
                + " .), or remove it from 'images'.");
      }
      result.add(local);
    }
    // the mapped images of the manifest files (kustomizations need the node to render them): they
    // load while k3s starts instead of after it, as the stack's own images do
    ManifestLoader loader =
        new ManifestLoader(stack.manifests().excludeKinds(), images, kustomization -> "");
    List<Manifest> plainFiles = new ArrayList<>(loader.load(stack.manifests().allPaths()));
    for (var release : stack.manifests().helm()) {
      plainFiles.addAll(loader.loadRelease(release, HelmCharts.kubeVersion(stack)).objects());
    }
    ManifestImages.of(plainFiles, images, image -> DockerEngine.hasImage(docker, image)).stream()
        .filter(image -> !result.contains(image))
        .forEach(result::add);
    if (stack.monitoring().enabled()) {
      String local = images.apply(stack.monitoring().image());
      // present locally (mapped, or pulled before): load it rather than have k3s pull it again
      if (DockerEngine.hasImage(docker, local) && !result.contains(local)) {
        result.add(local);
      }
    }
    return result;
  }

  private String resolve(String official) {
    String image = images.apply(official);
    if (!image.contains("@")) {
      // decided now, before any container starts, instead of inside a start that retries
      SandboxPullPolicy.ensureLocal(image, offline);
    }
    return image;
  }

  private static String ipOn(GenericContainer<?> container, String sandbox) {
    InspectContainerResponse info = container.getContainerInfo();
    var network = info.getNetworkSettings().getNetworks().get(networkName(sandbox));
    if (network == null || network.getIpAddress() == null) {
      throw new SandboxException.ServiceStartup(
          "Container " + info.getName() + " has no address on network " + networkName(sandbox),
          null);
    }
    return network.getIpAddress();
  }
}
