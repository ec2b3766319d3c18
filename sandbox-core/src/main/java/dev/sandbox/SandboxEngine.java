package dev.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox.docker.DockerEngine;
import dev.sandbox.docker.Labels;
import dev.sandbox.engine.Deployment;
import dev.sandbox.engine.Services;
import dev.sandbox.engine.StatusReader;
import dev.sandbox.engine.UpPlan;
import dev.sandbox.k3s.K3sNode;
import dev.sandbox.manifest.Preflight;
import dev.sandbox.stack.Stack;
import dev.sandbox.state.SandboxLock;
import dev.sandbox.state.StateStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The engine behind {@code sandbox up}, {@code down} and {@code @WithCluster}: a thin facade over
 * the flow of {@code up} ({@link UpFlow}) —
 *
 * <pre>
 * Preflight.check (read everything) → lock the name → UpPlan.decide (pure)
 *   → LocalSlice.start (network, volumes, containers, concurrently) → cluster ready
 *   → Deployment (ordered steps: read, images, wiring, policies, monitoring, apply, await)
 * </pre>
 *
 * <p>A library: it never prints and never exits. Progress goes to a {@link ProgressListener},
 * failures are {@link SandboxException}s whose messages say what to do.
 */
public final class SandboxEngine {

  /** The version of this sandbox, written into container labels and state. */
  public static final String VERSION = readVersion();

  /** How long {@code up} waits beyond the readiness timeout for another holder of the name. */
  private static final Duration LOCK_MARGIN = Duration.ofMinutes(2);

  /** How long {@code down} waits for an {@code up} in flight before giving up. */
  private static final Duration DOWN_WAIT = Duration.ofMinutes(10);

  /** How long {@code down} gives a node to empty its containerd of pods (about a second). */
  private static final Duration CLEAR_PODS_AT_MOST = Duration.ofSeconds(20);

  private final SandboxConfig config;
  private final StateStore store;

  /**
   * @param config the user-level configuration (image map, offline)
   * @param stateRoot the folder holding one state folder per sandbox, normally {@code ~/.sandbox}
   */
  public SandboxEngine(SandboxConfig config, Path stateRoot) {
    this.config = config;
    this.store = new StateStore(stateRoot);
  }

  /**
   * Checks that the Docker engine answers — the one named by {@code DOCKER_HOST} when set — or
   * throws {@link SandboxException.DockerUnavailable} saying what to do.
   */
  public static void requireDocker() {
    DockerEngine.client();
  }

  /** The user-level configuration this engine runs with (image map, offline). */
  public SandboxConfig config() {
    return config;
  }

  /** The effective image map: the stack's, with the machine's own (user config) on top. */
  public ImageMap imageMap(Stack stack) {
    return stack.imageMap().overriddenBy(config.imageMap());
  }

  /** Starts the sandbox, or attaches to the running one when {@code options.reuse()} allows. */
  public Sandbox up(Stack stack, UpOptions options, ProgressListener listener) {
    // everything the stack names is read and checked before anything is locked or started
    Preflight.check(stack);
    String name = stack.name();
    try (SandboxLock lock =
        store.lock(
            name,
            stack.readiness().timeout().plus(LOCK_MARGIN),
            message -> listener.onEvent(ProgressListener.Event.info(name, message)))) {
      refuseOtherTarget(stack);
      if (stack.target().isCluster()) {
        return handle(
            new ClusterFlow(this, store).up(stack, options, !options.persistent(), listener),
            false);
      }
      return new UpFlow(this, config, store).run(stack, options, listener);
    }
  }

  /**
   * The stack as it targets a cluster: {@code context} (a front end's {@code --context}) when
   * given, else the environment's {@code SANDBOX_CONTEXT}, else the stack's own {@code
   * target.context}; none of them: the local node.
   */
  public static Stack targeting(Stack stack, String context) {
    return targeting(stack, context, System.getenv());
  }

  /**
   * {@link #targeting(Stack, String)} reading {@code SANDBOX_CONTEXT} and {@code
   * SANDBOX_NAMESPACES} ({@code orders=ci-42-orders,sandbox=ci-42-services}: pre-created namespaces
   * of this run, over the stack's target.namespaces) from {@code environment}.
   */
  public static Stack targeting(Stack stack, String context, Map<String, String> environment) {
    String chosen =
        context != null && !context.isBlank() ? context : environment.get("SANDBOX_CONTEXT");
    Stack result = chosen == null || chosen.isBlank() ? stack : stack.withContext(chosen);
    String namespaces = environment.get("SANDBOX_NAMESPACES");
    if (namespaces != null && !namespaces.isBlank()) {
      Map<String, String> map = new LinkedHashMap<>();
      for (String pair : namespaces.split(",")) {
        String[] parts = pair.trim().split("=", 2);
        if (parts.length != 2
            || !parts[0].matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
            || !parts[1].matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
          throw new SandboxException(
              "SANDBOX_NAMESPACES: '"
                  + pair.trim()
                  + "' is not manifest-namespace=namespace; expected for example"
                  + " orders=ci-42-orders,sandbox=ci-42-services.");
        }
        map.put(parts[0], parts[1]);
      }
      result = result.withNamespaces(map);
    }
    return result;
  }

  void deployInto(
      DockerClient docker,
      Stack stack,
      SandboxState state,
      boolean forceConflicts,
      boolean everything,
      ProgressListener listener) {
    try (Sandbox sandbox = handle(state, false)) {
      Deployment.stack(
          stack,
          imageMap(stack),
          config.offline(),
          forceConflicts,
          everything,
          cluster(docker, stack, state, sandbox),
          Set.of(),
          listener);
    }
  }

  Deployment.Cluster cluster(
      DockerClient docker, Stack stack, SandboxState state, Sandbox sandbox) {
    return new Deployment.Cluster(
        docker,
        state.containers().get("k3s"),
        Services.bindings(docker, stack, state, store.credentials(stack.name())),
        sandbox.client());
  }

  /**
   * Re-applies a running sandbox's stack without restarting anything: reloads images, re-wires the
   * services, applies the manifests and waits for the workloads — the inner loop while editing
   * YAML. The sandbox is then recorded as running this stack, so that the next {@code up} compares
   * against what {@code apply} applied (and reuses it) rather than re-applying.
   */
  public void apply(Stack stack, boolean forceConflicts, ProgressListener listener) {
    apply(stack, forceConflicts, false, listener);
  }

  /**
   * {@link #apply(Stack, boolean, ProgressListener)}; with {@code everything}, also the platform
   * steps (wiring, policies, monitoring) whose inputs did not change since they last ran, which are
   * otherwise skipped — to restore what was changed in the cluster by hand.
   */
  public void apply(
      Stack stack, boolean forceConflicts, boolean everything, ProgressListener listener) {
    Preflight.check(stack);
    SandboxState state = runningState(stack.name());
    if (ClusterFlow.isCluster(state)) {
      // on a shared cluster, apply is up again: everything is server-side applied in place
      Stack onCluster =
          stack.target().isCluster()
              ? stack
              : stack.withContext(state.services().get(ClusterFlow.STATE_KEY).get("context"));
      new ClusterFlow(this, store)
          .up(
              onCluster,
              UpOptions.defaults().withForceConflicts(forceConflicts),
              ClusterFlow.HELD.equals(state.services().get(ClusterFlow.STATE_KEY).get("lease")),
              listener);
      return;
    }
    deployInto(DockerEngine.client(), stack, state, forceConflicts, everything, listener);
    Map<String, String> parts = UpPlan.parts(stack);
    boolean containersDiffer =
        Stack.changes(parts, state.stackParts()).stream().anyMatch(stack::needsNewContainers);
    if (!containersDiffer) {
      // a change apply cannot make (a service's version) stays for the next up to see
      store.write(state.withStack(stack, parts));
    }
  }

  /**
   * Applies manifests into one namespace of a running sandbox (creating it, with the stack's
   * services wired into it), overriding the namespace of every namespaced object, and waits until
   * the workloads are ready. Used for test classes that own a namespace.
   */
  public void applyInto(
      Stack stack, String namespace, List<Path> paths, ProgressListener listener) {
    SandboxState state = runningState(stack.name());
    if (ClusterFlow.isCluster(state)) {
      throw new SandboxException(
          "A namespace per test class is not available on a shared cluster yet: sandbox '"
              + stack.name()
              + "' runs there in namespaces of its own. Deploy the class's manifests through the"
              + " stack file instead.");
    }
    DockerClient docker = DockerEngine.client();
    try (Sandbox sandbox = handle(state, false)) {
      Deployment.intoNamespace(
          stack,
          imageMap(stack),
          config.offline(),
          cluster(docker, stack, state, sandbox),
          namespace,
          paths,
          listener);
    }
  }

  /** Loads images from the local Docker engine into a running sandbox's cluster. */
  public Map<String, Duration> load(String name, List<String> images, ProgressListener listener) {
    SandboxState state = runningState(name);
    if (ClusterFlow.isCluster(state)) {
      throw new SandboxException(
          "Sandbox '"
              + name
              + "' runs on a shared cluster (context "
              + state.services().get(ClusterFlow.STATE_KEY).get("context")
              + "), whose nodes pull images from a registry: push "
              + String.join(", ", images)
              + " to a registry the cluster pulls from, and point the stack's image-map at it.");
    }
    DockerClient docker = DockerEngine.client();
    Map<String, Duration> took = new LinkedHashMap<>();
    for (String image : images) {
      listener.onEvent(ProgressListener.Event.started("images", "loading " + image));
      try {
        K3sNode.Import result = K3sNode.importImage(docker, state.containers().get("k3s"), image);
        listener.onEvent(
            ProgressListener.Event.done(
                "images",
                result.alreadyLoaded() ? image + " already loaded" : "loaded " + image,
                result.took()));
        K3sNode.pulledAlways(image)
            .ifPresent(warning -> listener.onEvent(ProgressListener.Event.info("images", warning)));
        took.put(image, result.took());
      } catch (RuntimeException e) {
        listener.onEvent(
            ProgressListener.Event.failed("images", SandboxException.describe(e), Duration.ZERO));
        throw e;
      }
    }
    return took;
  }

  private SandboxState runningState(String name) {
    return store
        .read(name)
        .orElseThrow(
            () ->
                new SandboxException.NotFound(
                    "No sandbox named '"
                        + name
                        + "' is running here. Start it with `sandbox up`, or list the state"
                        + " folders in ~/.sandbox."));
  }

  /** Attaches to a running sandbox by name. */
  public Sandbox attach(String name) {
    return handle(runningState(name), false);
  }

  /** The state of a sandbox, if one of that name was started here. */
  public Optional<SandboxState> state(String name) {
    return store.read(name);
  }

  /** Containers and workloads of a sandbox. */
  public SandboxStatus status(String name) {
    store.folder(name);
    Optional<SandboxState> cluster = store.read(name).filter(ClusterFlow::isCluster);
    if (cluster.isPresent()) {
      return ClusterFlow.status(cluster.get(), this::kubeconfigOf);
    }
    List<Container> containers = DockerEngine.containers(DockerEngine.client(), name);
    if (containers.isEmpty()) {
      throw new SandboxException.NotFound(
          "No sandbox named '" + name + "' is running here. Start it with `sandbox up`.");
    }
    return StatusReader.read(name, containers, store.read(name), s -> handle(s, false));
  }

  /** Containers of the sandbox, as Docker reports them. */
  public List<Container> containers(String name) {
    store.folder(name);
    return DockerEngine.containers(DockerEngine.client(), name);
  }

  /**
   * Removes every container, network and — unless {@code keepData} — volume carrying the sandbox's
   * label, and the files it wrote in its state folder; waits for an {@code up} of the same name in
   * flight.
   *
   * @return what was removed
   */
  public List<String> down(String name, boolean keepData, ProgressListener listener) {
    return down(name, keepData, false, listener);
  }

  /**
   * As {@link #down(String, boolean, ProgressListener)}; with {@code purge}, the node's image store
   * goes too (which {@code down} otherwise keeps for the next {@code up} of that name).
   */
  public List<String> down(
      String name, boolean keepData, boolean purge, ProgressListener listener) {
    // lock() checks the name before anything is touched
    try (SandboxLock lock =
        store.lock(
            name,
            DOWN_WAIT,
            message -> listener.onEvent(ProgressListener.Event.info(name, message)))) {
      Optional<SandboxState> state = store.read(name);
      if (state.isPresent() && ClusterFlow.isCluster(state.get())) {
        if (keepData) {
          throw new SandboxException(
              "Sandbox '"
                  + name
                  + "' runs on a shared cluster, where down removes its namespaces and with them"
                  + " its volumes: --keep-data cannot keep them. Leave it running (it lives until"
                  + " its target.expiry), or take a dump first.");
        }
        return new ClusterFlow(this, store).down(state.get(), listener);
      }
      refuseForeign(name);
      List<String> removed = removeLocked(name, keepData, !purge, listener);
      // the node is gone, its store idle: it becomes the machine's image seed for new names
      seedFrom(name, listener);
      String imageStore = dev.sandbox.engine.LocalSlice.imageStoreName(name);
      // a throwaway sandbox's store goes with it: nothing of a test run stays but the seed
      if (purge || DockerEngine.throwawayImageStore(DockerEngine.client(), imageStore)) {
        removed.addAll(DockerEngine.removeImageStore(DockerEngine.client(), imageStore));
      }
      return removed;
    }
  }

  /**
   * Makes the machine's image seed a copy of sandbox {@code name}'s idle image store (hard links):
   * a name started later begins with the images that node held. A seed that cannot be made costs
   * nothing but that speed-up.
   */
  private void seedFrom(String name, ProgressListener listener) {
    DockerClient docker = DockerEngine.client();
    String store = dev.sandbox.engine.LocalSlice.imageStoreName(name);
    Optional<java.time.Duration> took;
    try {
      took =
          DockerEngine.imageStoreNodeImage(docker, store)
              .flatMap(
                  nodeImage -> dev.sandbox.docker.ImageSeeds.refresh(docker, nodeImage, store));
    } catch (RuntimeException e) {
      // another down creating the same seed, an engine that cannot run the helper: no seed, and
      // the down goes on
      took = Optional.empty();
    }
    took.ifPresent(
        t ->
            listener.onEvent(
                ProgressListener.Event.done(
                    name,
                    "kept its node's images as the machine's image seed for new sandboxes",
                    t)));
  }

  /**
   * Removes the sandbox's containers, network, state and (unless {@code keepData}) data; its image
   * store stays.
   */
  List<String> removeLocked(String name, boolean keepData, ProgressListener listener) {
    return removeLocked(name, keepData, true, listener);
  }

  /**
   * As {@link #removeLocked(String, boolean, ProgressListener)}; with {@code storeKept}, the node's
   * image store is emptied of its pods first, so that the next node (or the machine's image seed)
   * gets images only.
   */
  List<String> removeLocked(
      String name, boolean keepData, boolean storeKept, ProgressListener listener) {
    Instant start = Instant.now();
    listener.onEvent(ProgressListener.Event.started(name, "removing"));
    DockerClient docker = DockerEngine.client();
    if (storeKept) {
      DockerEngine.containers(docker, name).stream()
          .filter(c -> "running".equals(c.getState()))
          .filter(c -> c.getLabels() != null && "k3s".equals(c.getLabels().get(Labels.COMPONENT)))
          .forEach(
              node ->
                  K3sNode.clearPods(
                      docker,
                      node.getId(),
                      dev.sandbox.engine.LocalSlice.CONTAINERD_PATH
                          + "/"
                          + dev.sandbox.docker.ImageSeeds.PODS_CLEARED,
                      CLEAR_PODS_AT_MOST));
    }
    List<String> removed = DockerEngine.removeAll(docker, name, keepData);
    store.remove(name, keepData);
    listener.onEvent(
        ProgressListener.Event.done(
            name,
            "removed " + removed.size() + " resource(s)" + (keepData ? ", data volumes kept" : ""),
            Duration.between(start, Instant.now())));
    return removed;
  }

  /**
   * Sandboxes on this Docker engine that nobody can reach any more: the state folder root they were
   * started with is gone (a deleted temp folder, a killed CI job's workspace). Sandboxes of a root
   * that exists are never listed, whoever owns them.
   */
  public List<OrphanedSandbox> orphans() {
    return dev.sandbox.docker.Orphans.find(DockerEngine.client());
  }

  /**
   * Removes an orphan's containers and — when no other sandbox of its name remains — its network
   * and, unless {@code keepData}, its data volumes.
   *
   * @return what was removed
   */
  public List<String> removeOrphan(OrphanedSandbox orphan, boolean keepData) {
    return dev.sandbox.docker.Orphans.remove(DockerEngine.client(), orphan, keepData);
  }

  /**
   * {@code down} removes only a sandbox this state folder root started (or one whose containers
   * carry no root, from before roots were recorded): a sandbox of the same name started from
   * another SANDBOX_HOME, with its data, belongs to whoever uses that folder.
   */
  private void refuseForeign(String name) {
    String root = store.root().toString();
    Optional<String> foreign =
        UpPlan.Observed.of(
                DockerEngine.containers(DockerEngine.client(), name), Optional.empty(), root)
            .foreignRoot();
    if (foreign.isPresent()) {
      boolean gone = dev.sandbox.docker.Orphans.isGone(foreign.get());
      throw new SandboxException(
          "The sandbox named '"
              + name
              + "' on this Docker engine was started with the state folder "
              + foreign.get()
              + ", not with this one ("
              + root
              + "), so this command does not remove it. "
              + (gone
                  ? "That folder is gone: `sandbox gc` removes what it left (`--volumes` its data"
                      + " too)."
                  : "Run `SANDBOX_HOME=" + foreign.get() + " sandbox down --name " + name + "`."));
    }
  }

  /** True when the node's image store of sandbox {@code name} exists (kept by {@code down}). */
  public boolean hasImageStore(String name) {
    return dev.sandbox.docker.ImageStores.exists(
        DockerEngine.client(), dev.sandbox.engine.LocalSlice.imageStoreName(name));
  }

  /** The image stores of sandbox nodes on this Docker engine, with their sizes where known. */
  public List<ImageStore> imageStores() {
    return dev.sandbox.docker.ImageStores.list(DockerEngine.client());
  }

  /** The machine's image seeds, which the image stores of new sandbox names start from. */
  public List<ImageSeed> imageSeeds() {
    return dev.sandbox.docker.ImageSeeds.list(DockerEngine.client());
  }

  /** Removes the machine's image seeds: a new name's node imports its images again. */
  public List<ImageSeed> removeImageSeeds() {
    return dev.sandbox.docker.ImageSeeds.removeAll(DockerEngine.client());
  }

  /**
   * The snapshots of ready clusters new nodes boot from (newest first); none when snapshots are
   * off.
   */
  public List<ClusterSnapshot> clusterSnapshots() {
    return config.snapshots().map(this::clusterSnapshots).orElse(List.of());
  }

  /**
   * The snapshots of ready clusters kept in {@code folder}, whether or not this engine uses them
   * (they hold cluster CA keys: {@code doctor} shows them, {@code gc --snapshots} removes them,
   * also after snapshots were turned off).
   */
  public List<ClusterSnapshot> clusterSnapshots(Path folder) {
    return new dev.sandbox.k3s.ClusterSnapshots(folder).list();
  }

  /** Removes every snapshot of a ready cluster; the next node boots afresh and takes a new one. */
  public List<ClusterSnapshot> removeClusterSnapshots() {
    return config.snapshots().map(this::removeClusterSnapshots).orElse(List.of());
  }

  /**
   * Removes every snapshot in {@code folder}, and the part files of snapshots a killed process was
   * writing.
   */
  public List<ClusterSnapshot> removeClusterSnapshots(Path folder) {
    var snapshots = new dev.sandbox.k3s.ClusterSnapshots(folder);
    List<ClusterSnapshot> removed = snapshots.list();
    removed.forEach(s -> snapshots.discard(s.key()));
    snapshots.removeParts();
    return removed;
  }

  /** Creates a sandbox that removes itself when the handle closes (tests, CI). */
  public Sandbox upEphemeral(Stack stack, ProgressListener listener) {
    if (stack.target().isCluster()) {
      Preflight.check(stack);
      try (SandboxLock lock =
          store.lock(
              stack.name(),
              stack.readiness().timeout().plus(LOCK_MARGIN),
              message -> listener.onEvent(ProgressListener.Event.info(stack.name(), message)))) {
        return handle(
            new ClusterFlow(this, store).up(stack, UpOptions.defaults(), true, listener), true);
      }
    }
    Sandbox sandbox = up(stack, UpOptions.defaults().withReuse(false), listener);
    SandboxState state = sandbox.state();
    sandbox.close();
    return handle(state, true);
  }

  Sandbox handle(SandboxState state, boolean owned) {
    if (ClusterFlow.isCluster(state)) {
      return ClusterHandle.open(
          state,
          kubeconfigOf(state),
          owned ? () -> down(state.name(), false, ProgressListener.NONE) : () -> {},
          owned);
    }
    String kubeconfig = kubeconfigOf(state);
    return new Sandbox(
        state,
        kubeconfig,
        Path.of(state.kubeconfig()),
        owned ? () -> down(state.name(), false, ProgressListener.NONE) : () -> {});
  }

  /**
   * A sandbox of this name already runs elsewhere (on the local node while the stack now targets a
   * cluster, on another context, or the other way round): starting it would overwrite its state and
   * leave it unreachable.
   */
  private void refuseOtherTarget(Stack stack) {
    Optional<SandboxState> state = store.read(stack.name());
    if (state.isEmpty()) {
      return;
    }
    Map<String, String> target = state.get().services().get(ClusterFlow.STATE_KEY);
    String running = target == null ? "the local node" : "context " + target.get("context");
    String wanted =
        stack.target().context().map(context -> "context " + context).orElse("the local node");
    if (!running.equals(wanted)) {
      throw new SandboxException(
          "A sandbox named '"
              + stack.name()
              + "' runs on "
              + running
              + "; this start targets "
              + wanted
              + ". Run `sandbox down --name "
              + stack.name()
              + "` first, or choose another name with --name.");
    }
  }

  /** The kubeconfig file a state names, read. */
  String kubeconfigOf(SandboxState state) {
    try {
      return Files.readString(Path.of(state.kubeconfig()));
    } catch (IOException e) {
      throw new SandboxException(
          "The kubeconfig of '"
              + state.name()
              + "' ("
              + state.kubeconfig()
              + ") is unreadable: "
              + e.getMessage()
              + ". Run `sandbox down --name "
              + state.name()
              + "` and `sandbox up` again.",
          e);
    }
  }

  /**
   * Sandboxes on the cluster of {@code stack}'s target whose lease expired (their owner is gone, or
   * a CLI sandbox outlived its expiry); with {@code remove}, removes them.
   *
   * @return each as {@code id (owner), expired <when>: namespaces}
   */
  public List<String> clusterGc(Stack stack, boolean remove, ProgressListener listener) {
    dev.sandbox.cluster.Tenancy tenancy =
        dev.sandbox.cluster.Tenancy.of(stack, store.root().toString());
    String kubeconfig =
        dev.sandbox.cluster.ClusterConnection.kubeconfig(
            stack.target(), tenancy.servicesNamespace());
    List<String> result = new java.util.ArrayList<>();
    try (var client =
        dev.sandbox.cluster.ClusterConnection.client(
            kubeconfig, stack.target().context().orElseThrow())) {
      Instant now = Instant.now();
      java.util.Set<String> given =
          new java.util.LinkedHashSet<>(stack.target().namespaces().values());
      for (var found : dev.sandbox.cluster.ClusterSandboxes.list(client, given)) {
        if (!found.expired(now)) {
          continue;
        }
        String line =
            found.id()
                + " ("
                + found.owner()
                + "), expired "
                + found.expires()
                + ": "
                + String.join(", ", found.namespaces());
        if (!remove) {
          result.add(line);
          continue;
        }
        listener.onEvent(ProgressListener.Event.started("gc", "removing " + found.id()));
        try {
          // conditional on the lease being the one that expired: a renewal meanwhile wins
          List<String> removed =
              dev.sandbox.cluster.ClusterSandboxes.collect(
                  client, found, ClusterFlow.NAMESPACES_GONE);
          if (!removed.isEmpty()) {
            result.add(line);
          }
          listener.onEvent(
              ProgressListener.Event.done(
                  "gc",
                  removed.isEmpty()
                      ? found.id() + " renewed its lease meanwhile: kept"
                      : "removed " + found.id(),
                  Duration.ZERO));
        } catch (RuntimeException e) {
          // one sandbox that cannot be removed (rights, a stuck namespace) does not stop the rest
          listener.onEvent(
              ProgressListener.Event.failed(
                  "gc", found.id() + ": " + SandboxException.describe(e), Duration.ZERO));
        }
      }
    }
    return result;
  }

  private static String readVersion() {
    try (InputStream in = SandboxEngine.class.getResourceAsStream("version.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }
}
