package dev.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox.docker.DockerEngine;
import dev.sandbox.engine.Deployment;
import dev.sandbox.engine.Errors;
import dev.sandbox.engine.Kubeconfigs;
import dev.sandbox.engine.LocalSlice;
import dev.sandbox.engine.Services;
import dev.sandbox.engine.Slice;
import dev.sandbox.engine.StatusReader;
import dev.sandbox.engine.UpPlan;
import dev.sandbox.k3s.K3sNode;
import dev.sandbox.k3s.Readiness;
import dev.sandbox.manifest.Preflight;
import dev.sandbox.monitoring.MonitoringPack;
import dev.sandbox.service.BackingService;
import dev.sandbox.service.Credentials;
import dev.sandbox.state.SandboxLock;
import dev.sandbox.state.StateStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
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
import java.util.stream.Collectors;
import org.testcontainers.utility.TestcontainersConfiguration;

/**
 * The engine behind {@code sandbox up}, {@code down} and {@code @WithCluster}: a thin facade over
 * the flow of {@code up} —
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

  /** How long {@code up} waits for Prometheus to answer on its published URL. */
  private static final Duration PROMETHEUS_URL = Duration.ofSeconds(60);

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
      return upLocked(stack, options, listener);
    }
  }

  private Sandbox upLocked(Stack stack, UpOptions options, ProgressListener listener) {
    DockerClient docker = DockerEngine.client();
    String name = stack.name();
    List<Container> existing = DockerEngine.containers(docker, name);
    Optional<SandboxState> state = existing.isEmpty() ? Optional.empty() : store.read(name);
    Map<String, String> parts = UpPlan.parts(stack);
    UpPlan plan =
        UpPlan.decide(
            parts,
            Services.enabledIn(stack).stream().map(BackingService::id).collect(Collectors.toSet()),
            options.reuse(),
            UpPlan.Observed.of(existing, state, store.root().toString()));
    switch (plan.action()) {
      case REFUSE_FOREIGN:
      case REFUSE_EXISTS:
        throw plan.refusal(name, store.root().toString());
      case REUSE:
        listener.onEvent(ProgressListener.Event.info(name, plan.reason()));
        return handle(state.orElseThrow(), false);
      case APPLY_IN_PLACE:
        listener.onEvent(ProgressListener.Event.info(name, plan.reason()));
        return redeploy(docker, stack, state.orElseThrow(), parts, options, listener);
      case RESTART_SERVICES:
        {
          listener.onEvent(ProgressListener.Event.info(name, plan.reason()));
          SandboxState restarted =
              slice(docker, stack)
                  .restart(
                      state.orElseThrow(), plan.deadServices(), store.credentials(name), listener);
          store.write(restarted);
          return redeploy(docker, stack, restarted, parts, options, listener);
        }
      case REPLACE_INTERRUPTED:
      case RECREATE_KEEP_DATA:
        listener.onEvent(
            ProgressListener.Event.info(
                name,
                plan.reason()
                    + (plan.action() == UpPlan.Action.REPLACE_INTERRUPTED
                        ? " — replacing it; data volumes are kept"
                        : "")));
        removeLocked(name, true, ProgressListener.NONE);
        return startFresh(docker, stack, options, listener);
      case FRESH:
      default:
        return startFresh(docker, stack, options, listener);
    }
  }

  private LocalSlice slice(DockerClient docker, Stack stack) {
    return new LocalSlice(
        docker, stack, imageMap(stack), config.offline(), store.root().toString(), VERSION);
  }

  private Sandbox startFresh(
      DockerClient docker, Stack stack, UpOptions options, ProgressListener listener) {
    String name = stack.name();
    if (options.persistent()
        && !TestcontainersConfiguration.getInstance().environmentSupportsReuse()) {
      throw new SandboxException(
          "A sandbox that outlives this process needs Testcontainers' reuse switch, so that its"
              + " resource reaper leaves the containers running: set"
              + " TESTCONTAINERS_REUSE_ENABLE=true (the `sandbox` launcher does) or put"
              + " testcontainers.reuse.enable=true in ~/.testcontainers.properties.");
    }
    LocalSlice slice = slice(docker, stack);
    List<String> preloadable = slice.preloadable();
    List<BackingService> services = Services.enabledIn(stack);
    Map<String, Credentials> credentials = store.credentials(name);
    services.forEach(s -> credentials.computeIfAbsent(s.id(), id -> Credentials.generate()));
    store.writeCredentials(name, credentials);
    Thread onInterrupt =
        new Thread(
            () -> {
              listener.onEvent(
                  ProgressListener.Event.info(
                      name, "interrupted — removing what this start created"));
              store.remove(name, slice.interrupt());
            },
            "sandbox-interrupted-up");
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    try {
      LocalSlice.Started started =
          slice.start(options.persistent(), credentials, services, preloadable, listener);
      return finishUp(docker, stack, options, started, listener);
    } catch (RuntimeException e) {
      if (!options.keepOnFailure()) {
        listener.onEvent(
            ProgressListener.Event.info(
                name, "removing what was started (data volumes that held data are kept)"));
        store.remove(name, slice.abandon());
      }
      throw e;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(onInterrupt);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to: it cleans up
      }
    }
  }

  private Sandbox finishUp(
      DockerClient docker,
      Stack stack,
      UpOptions options,
      LocalSlice.Started started,
      ProgressListener listener) {
    Slice slice = started.slice();
    String name = stack.name();
    SandboxState state =
        new SandboxState(
            name,
            stack.hash(),
            UpPlan.parts(stack),
            stack.source().map(Path::toString).orElse("embedded"),
            VERSION,
            Instant.now(),
            store.kubeconfig(name).toString(),
            slice.apiPort(),
            slice.containers(),
            slice.details(),
            false);
    store.write(state, Kubeconfigs.forSandbox(slice.kubeconfigYaml(), name, slice.apiPort()));
    try (Sandbox sandbox = handle(state, false)) {
      Instant begin = Instant.now();
      listener.onEvent(
          ProgressListener.Event.started("cluster", "waiting for the node and CoreDNS"));
      Readiness.awaitCluster(sandbox.client(), stack.readiness().timeout());
      listener.onEvent(
          ProgressListener.Event.done("cluster", "ready", Duration.between(begin, Instant.now())));
      Map<String, Duration> preloaded = started.preload().await();
      preloaded.forEach(
          (image, took) ->
              listener.onEvent(
                  ProgressListener.Event.done(
                      "images", "loaded " + image + " while k3s started", took)));
      Deployment.stack(
          stack,
          imageMap(stack),
          config.offline(),
          options.forceConflicts(),
          new Deployment.Cluster(docker, slice.nodeId(), slice.bindings(), sandbox.client()),
          preloaded.keySet(),
          listener);
    }
    awaitPrometheusUrl(stack, state);
    SandboxState complete = state.completed();
    store.write(complete);
    return handle(complete, false);
  }

  /**
   * Waits until Prometheus answers on its published URL: the pod being ready is not enough, since
   * kube-proxy programs the NodePort a moment later, and `up` promises a URL that works.
   */
  private static void awaitPrometheusUrl(Stack stack, SandboxState state) {
    Map<String, String> details = state.services().get(MonitoringPack.SERVICE);
    if (stack.monitoring().enabled() && details != null) {
      new Prometheus(URI.create(details.get("url"))).awaitReady(PROMETHEUS_URL);
    }
  }

  /** Deploys a changed stack into the running sandbox and records it as running that stack. */
  private Sandbox redeploy(
      DockerClient docker,
      Stack stack,
      SandboxState state,
      Map<String, String> parts,
      UpOptions options,
      ProgressListener listener) {
    deployInto(docker, stack, state, options.forceConflicts(), listener);
    awaitPrometheusUrl(stack, state);
    SandboxState updated = state.withStack(stack, parts);
    store.write(updated);
    return handle(updated, false);
  }

  private void deployInto(
      DockerClient docker,
      Stack stack,
      SandboxState state,
      boolean forceConflicts,
      ProgressListener listener) {
    try (Sandbox sandbox = handle(state, false)) {
      Deployment.stack(
          stack,
          imageMap(stack),
          config.offline(),
          forceConflicts,
          cluster(docker, stack, state, sandbox),
          Set.of(),
          listener);
    }
  }

  private Deployment.Cluster cluster(
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
    Preflight.check(stack);
    SandboxState state = runningState(stack.name());
    deployInto(DockerEngine.client(), stack, state, forceConflicts, listener);
    Map<String, String> parts = UpPlan.parts(stack);
    boolean containersDiffer =
        Stack.changes(parts, state.stackParts()).stream()
            .anyMatch(Stack.RECREATE_SECTIONS::contains);
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
    DockerClient docker = DockerEngine.client();
    SandboxState state = runningState(stack.name());
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
    DockerClient docker = DockerEngine.client();
    Map<String, Duration> took = new LinkedHashMap<>();
    for (String image : images) {
      listener.onEvent(ProgressListener.Event.started("images", "loading " + image));
      try {
        Duration duration = K3sNode.importImage(docker, state.containers().get("k3s"), image);
        listener.onEvent(ProgressListener.Event.done("images", "loaded " + image, duration));
        K3sNode.pulledAlways(image)
            .ifPresent(warning -> listener.onEvent(ProgressListener.Event.info("images", warning)));
        took.put(image, duration);
      } catch (RuntimeException e) {
        listener.onEvent(
            ProgressListener.Event.failed("images", Errors.rootMessage(e), Duration.ZERO));
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
    // lock() checks the name before anything is touched
    try (SandboxLock lock =
        store.lock(
            name,
            DOWN_WAIT,
            message -> listener.onEvent(ProgressListener.Event.info(name, message)))) {
      return removeLocked(name, keepData, listener);
    }
  }

  private List<String> removeLocked(String name, boolean keepData, ProgressListener listener) {
    Instant start = Instant.now();
    listener.onEvent(ProgressListener.Event.started(name, "removing"));
    List<String> removed = DockerEngine.removeAll(DockerEngine.client(), name, keepData);
    store.remove(name, keepData);
    listener.onEvent(
        ProgressListener.Event.done(
            name,
            "removed " + removed.size() + " resource(s)" + (keepData ? ", data volumes kept" : ""),
            Duration.between(start, Instant.now())));
    return removed;
  }

  /** Creates a sandbox that removes itself when the handle closes (tests, CI). */
  public Sandbox upEphemeral(Stack stack, ProgressListener listener) {
    Sandbox sandbox = up(stack, UpOptions.defaults().withReuse(false), listener);
    SandboxState state = sandbox.state();
    sandbox.close();
    return handle(state, true);
  }

  private Sandbox handle(SandboxState state, boolean owned) {
    String kubeconfig;
    try {
      kubeconfig = Files.readString(Path.of(state.kubeconfig()));
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
    return new Sandbox(
        state,
        kubeconfig,
        Path.of(state.kubeconfig()),
        owned ? () -> down(state.name(), false, ProgressListener.NONE) : () -> {});
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
