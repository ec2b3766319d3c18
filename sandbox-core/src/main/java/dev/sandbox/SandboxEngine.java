package dev.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import dev.sandbox.docker.DockerEngine;
import dev.sandbox.docker.Labels;
import dev.sandbox.docker.SandboxNetwork;
import dev.sandbox.docker.SandboxPullPolicy;
import dev.sandbox.engine.UpPlan;
import dev.sandbox.k3s.Apply;
import dev.sandbox.k3s.ImagePreload;
import dev.sandbox.k3s.K3sNode;
import dev.sandbox.k3s.Kustomize;
import dev.sandbox.k3s.Readiness;
import dev.sandbox.k3s.Wiring;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.manifest.ManifestFiles;
import dev.sandbox.manifest.ManifestLoader;
import dev.sandbox.monitoring.MonitoringPack;
import dev.sandbox.policy.PolicyPacks;
import dev.sandbox.service.BackingService;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.service.Credentials;
import dev.sandbox.state.SandboxLock;
import dev.sandbox.state.StateStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.TestcontainersConfiguration;

/**
 * The engine behind {@code sandbox up}, {@code down} and {@code @WithCluster}: starts the slice
 * concurrently on one Docker network, wires the services into the cluster, loads local images,
 * applies the production manifests and waits until everything is ready.
 *
 * <p>A library: it never prints and never exits. Progress goes to a {@link ProgressListener},
 * failures are {@link SandboxException}s whose messages say what to do.
 */
public final class SandboxEngine {

  /** The version of this sandbox, written into container labels and state. */
  public static final String VERSION = readVersion();

  /** How long {@code up} and {@code down} wait beyond the readiness timeout for another holder. */
  private static final Duration LOCK_MARGIN = Duration.ofMinutes(2);

  /** How long Ctrl-C waits for the container starts in flight to stop before cleaning up. */
  private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(15);

  /** How long {@code down} waits for an {@code up} in flight before giving up. */
  private static final Duration DOWN_WAIT = Duration.ofMinutes(10);

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

  /** The effective image map: the stack's, with the machine's own (user config) on top. */
  public ImageMap imageMap(Stack stack) {
    return stack.imageMap().overriddenBy(config.imageMap());
  }

  /** Starts the sandbox, or attaches to the running one when {@code options.reuse()} allows. */
  public Sandbox up(Stack stack, UpOptions options, ProgressListener listener) {
    // everything the stack names is read and checked before anything is locked or started
    dev.sandbox.manifest.Preflight.check(stack);
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
    Map<String, String> parts = parts(stack);
    UpPlan plan =
        UpPlan.decide(
            parts,
            services(stack).stream().map(BackingService::id).collect(Collectors.toSet()),
            options.reuse(),
            new UpPlan.Observed(
                existing.stream()
                    .map(
                        c ->
                            new UpPlan.ContainerView(
                                c.getLabels().getOrDefault(Labels.COMPONENT, "?"),
                                c.getState(),
                                c.getLabels().get(Labels.STATE_ROOT)))
                    .toList(),
                state.map(SandboxState::stackParts),
                state.map(SandboxState::isComplete).orElse(false),
                store.root().toString()));
    switch (plan.action()) {
      case FRESH:
        break;
      case REFUSE_FOREIGN:
        throw new SandboxException(
            "A sandbox named '"
                + name
                + "' already runs on this Docker engine, "
                + plan.reason()
                + " (this command uses "
                + store.root()
                + "). Use that SANDBOX_HOME to reach it, or choose another name with --name.");
      case REFUSE_EXISTS:
        throw new SandboxException(
            "A sandbox named '"
                + name
                + "' already exists. Run `sandbox down --name "
                + name
                + "` first, or choose another name with --name.");
      case REUSE:
        listener.onEvent(ProgressListener.Event.info(name, plan.reason()));
        return handle(state.orElseThrow(), false);
      case APPLY_IN_PLACE:
        return applyChanged(docker, stack, state.orElseThrow(), parts, plan, options, listener);
      case RESTART_SERVICES:
        {
          listener.onEvent(ProgressListener.Event.info(name, plan.reason()));
          SandboxState restarted =
              restartServices(docker, stack, state.orElseThrow(), plan.deadServices(), listener);
          return applyChanged(docker, stack, restarted, parts, plan, options, listener);
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
        break;
    }
    return startFresh(docker, stack, options, listener);
  }

  /**
   * Replaces the named service containers (dead: killed, OOM, stopped) by new ones on the same
   * network alias, data volume, credentials and host ports, so connection URLs handed out before
   * stay valid; the cluster keeps running and is re-wired to the new addresses afterwards.
   */
  private SandboxState restartServices(
      DockerClient docker,
      Stack stack,
      SandboxState state,
      Set<String> components,
      ProgressListener listener) {
    ImageMap images = imageMap(stack);
    Map<String, Credentials> credentials = store.credentials(stack.name());
    Network network = SandboxNetwork.existing(docker, "sandbox-" + stack.name());
    SandboxState current = state;
    for (BackingService service : services(stack)) {
      if (!components.contains(service.id())) {
        continue;
      }
      String oldId = current.containers().get(service.id());
      Map<Integer, Integer> pinned = new HashMap<>();
      Map<String, String> oldDetails = current.services().get(service.id());
      if (oldId != null) {
        pinned.putAll(publishedPorts(docker, oldId));
        try {
          docker.removeContainerCmd(oldId).withForce(true).exec();
        } catch (NotFoundException e) {
          // already gone
        }
      }
      String volume = volumeName(stack.name(), service.id());
      GenericContainer<?> container =
          service.container(
              stack,
              resolve(images, service.officialImage(stack)),
              credentials.get(service.id()),
              true);
      configure(
          container,
          stack,
          service.id(),
          network,
          service.publishedPorts(),
          volume,
          service.dataPath(),
          pinned.isEmpty() ? hostPorts(oldDetails, service) : pinned);
      container.withReuse(true);
      startConcurrently(List.of(container), listener);
      Map<Integer, Integer> ports = new HashMap<>();
      service.publishedPorts().forEach(p -> ports.put(p, container.getMappedPort(p)));
      current =
          current.withComponent(
              service.id(),
              container.getContainerId(),
              service.hostDetails(stack, credentials.get(service.id()), ports));
    }
    store.write(current);
    return current;
  }

  /** Host ports a container was created with, container port to host port. */
  private static Map<Integer, Integer> publishedPorts(DockerClient docker, String containerId) {
    Map<Integer, Integer> result = new HashMap<>();
    try {
      var bindings =
          docker.inspectContainerCmd(containerId).exec().getHostConfig().getPortBindings();
      if (bindings != null) {
        bindings
            .getBindings()
            .forEach(
                (exposed, hostBindings) -> {
                  if (hostBindings != null) {
                    for (Ports.Binding binding : hostBindings) {
                      String spec = binding.getHostPortSpec();
                      if (spec != null && spec.matches("\\d+")) {
                        result.put(exposed.getPort(), Integer.parseInt(spec));
                      }
                    }
                  }
                });
      }
      var live = docker.inspectContainerCmd(containerId).exec().getNetworkSettings().getPorts();
      if (live != null) {
        live.getBindings()
            .forEach(
                (exposed, hostBindings) -> {
                  if (hostBindings != null && hostBindings.length > 0) {
                    String spec = hostBindings[0].getHostPortSpec();
                    if (spec != null && spec.matches("\\d+")) {
                      result.putIfAbsent(exposed.getPort(), Integer.parseInt(spec));
                    }
                  }
                });
      }
    } catch (NotFoundException e) {
      // gone: the state's details say which ports it had
    }
    return result;
  }

  /** Host ports recorded in the state's connection details, where the service records them. */
  private static Map<Integer, Integer> hostPorts(
      Map<String, String> details, BackingService service) {
    Map<Integer, Integer> result = new HashMap<>();
    if (details != null && service.publishedPorts().size() == 1) {
      String port = details.get("port");
      if (port != null && port.matches("\\d+")) {
        result.put(service.publishedPorts().get(0), Integer.parseInt(port));
      }
    }
    return result;
  }

  private static String volumeName(String sandbox, String service) {
    return "sandbox-" + sandbox + "-" + service + "-data";
  }

  private Sandbox startFresh(
      DockerClient docker, Stack stack, UpOptions options, ProgressListener listener) {
    String name = stack.name();
    if (options.persistent()
        && !TestcontainersConfiguration.getInstance().environmentSupportsReuse()) {
      throw new SandboxException(
          "A sandbox that outlives this process needs Testcontainers' reuse switch, so that its"
              + " resource reaper leaves the containers running: set TESTCONTAINERS_REUSE_ENABLE=true (the `sandbox` launcher"
              + " does) or put testcontainers.reuse.enable=true in ~/.testcontainers.properties.");
    }
    ImageMap images = imageMap(stack);
    List<String> preloadable = preloadable(docker, stack, images);
    Map<String, Credentials> credentials = store.credentials(name);
    List<BackingService> services = services(stack);
    for (BackingService service : services) {
      credentials.computeIfAbsent(service.id(), id -> Credentials.generate());
    }
    store.writeCredentials(name, credentials);
    // No container of this sandbox exists (checked above): a network left by a killed run is stale.
    DockerEngine.removeAll(docker, name, true);
    Network network =
        SandboxNetwork.create(
            docker,
            "sandbox-" + name,
            Labels.of(name, stack.hash(), VERSION, "network"),
            options.persistent());
    Map<BackingService, GenericContainer<?>> serviceContainers = new LinkedHashMap<>();
    // volumes this start creates: removed again if it fails or is interrupted (kept ones hold data)
    Set<String> createdVolumes = java.util.concurrent.ConcurrentHashMap.newKeySet();
    ExecutorService pool = startPool();
    Thread onInterrupt =
        new Thread(
            () -> {
              listener.onEvent(
                  ProgressListener.Event.info(
                      name, "interrupted — removing what this start created"));
              // stop the starts first, so that no container is created after the clean-up
              pool.shutdownNow();
              try {
                pool.awaitTermination(INTERRUPT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              abandon(docker, name, createdVolumes);
              // a create the engine was still processing shows up a moment later: look again
              // briefly (the JVM halts when this hook returns)
              Instant until = Instant.now().plus(Duration.ofSeconds(3));
              while (Instant.now().isBefore(until)) {
                sleepQuietly(Duration.ofMillis(500));
                if (!DockerEngine.containers(docker, name).isEmpty()) {
                  abandon(docker, name, createdVolumes);
                }
              }
            },
            "sandbox-interrupted-up");
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    try {
      return start(
          docker,
          stack,
          options,
          listener,
          images,
          preloadable,
          credentials,
          services,
          network,
          createdVolumes,
          pool);
    } catch (RuntimeException e) {
      if (!options.keepOnFailure()) {
        listener.onEvent(
            ProgressListener.Event.info(
                name, "removing what was started (data volumes that held data are kept)"));
        abandon(docker, name, createdVolumes);
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

  private static void sleepQuietly(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Removes what a failed or interrupted start made: its containers and network, the data volumes
   * it created itself, and its state (credentials stay while a kept volume needs them).
   */
  private void abandon(DockerClient docker, String name, Set<String> createdVolumes) {
    DockerEngine.removeAll(docker, name, true);
    boolean keptVolumes = false;
    for (var volume : DockerEngine.volumes(docker, name)) {
      if (createdVolumes.contains(volume)) {
        DockerEngine.removeVolume(docker, volume);
      } else {
        keptVolumes = true;
      }
    }
    store.remove(name, keptVolumes);
  }

  private Sandbox start(
      DockerClient docker,
      Stack stack,
      UpOptions options,
      ProgressListener listener,
      ImageMap images,
      List<String> preloadable,
      Map<String, Credentials> credentials,
      List<BackingService> services,
      Network network,
      Set<String> createdVolumes,
      ExecutorService pool) {
    String name = stack.name();
    K3sContainer k3s = K3sNode.container(resolve(images, stack.k3s().image()));
    configure(
        k3s,
        stack,
        "k3s",
        network,
        // the monitoring pack's NodePort is published whether or not the pack is on yet, so that
        // turning it on later is an in-place change
        List.of(
            K3sContainer.KUBE_SECURE_PORT,
            K3sContainer.RANCHER_WEBHOOK_PORT,
            MonitoringPack.NODE_PORT),
        null,
        null,
        Map.of());
    Map<BackingService, GenericContainer<?>> serviceContainers = new LinkedHashMap<>();
    for (BackingService service : services) {
      String volume = volumeName(stack.name(), service.id());
      boolean created = createVolume(docker, stack, volume, service.id(), options.persistent());
      if (created) {
        createdVolumes.add(volume);
      }
      boolean existingData = !created;
      GenericContainer<?> container =
          service.container(
              stack,
              resolve(images, service.officialImage(stack)),
              credentials.get(service.id()),
              existingData);
      configure(
          container,
          stack,
          service.id(),
          network,
          service.publishedPorts(),
          volume,
          service.dataPath(),
          Map.of());
      serviceContainers.put(service, container);
    }

    List<GenericContainer<?>> all = new ArrayList<>();
    all.add(k3s);
    if (options.persistent()) {
      all.forEach(c -> c.withReuse(true));
      serviceContainers.values().forEach(c -> c.withReuse(true));
    }
    all.addAll(serviceContainers.values());
    ImagePreload preload =
        ImagePreload.start(docker, k3s::getContainerId, preloadable, stack.readiness().timeout());
    try {
      startConcurrently(all, listener, pool);
      return finishUp(
          docker, stack, options, listener, credentials, k3s, serviceContainers, preload);
    } catch (RuntimeException e) {
      preload.cancel();
      throw e;
    }
  }

  private Sandbox finishUp(
      DockerClient docker,
      Stack stack,
      UpOptions options,
      ProgressListener listener,
      Map<String, Credentials> credentials,
      K3sContainer k3s,
      Map<BackingService, GenericContainer<?>> services,
      ImagePreload preload) {
    String name = stack.name();
    int apiPort = k3s.getMappedPort(K3sContainer.KUBE_SECURE_PORT);
    String kubeconfig = kubeconfig(k3s.getKubeConfigYaml(), name, apiPort);
    Map<String, String> containerIds = new LinkedHashMap<>();
    containerIds.put("k3s", k3s.getContainerId());
    Map<String, Map<String, String>> details = new LinkedHashMap<>();
    details.put(
        MonitoringPack.SERVICE,
        Map.of("url", "http://127.0.0.1:" + k3s.getMappedPort(MonitoringPack.NODE_PORT)));
    List<ClusterBinding> bindings = new ArrayList<>();
    services.forEach(
        (service, container) -> {
          containerIds.put(service.id(), container.getContainerId());
          Map<Integer, Integer> ports = new HashMap<>();
          service.publishedPorts().forEach(p -> ports.put(p, container.getMappedPort(p)));
          details.put(
              service.id(), service.hostDetails(stack, credentials.get(service.id()), ports));
          bindings.add(
              service.binding(
                  stack, credentials.get(service.id()), ipOn(container, "sandbox-" + name)));
        });
    SandboxState state =
        new SandboxState(
            name,
            stack.hash(),
            parts(stack),
            stack.source().map(Path::toString).orElse("embedded"),
            VERSION,
            Instant.now(),
            store.kubeconfig(name).toString(),
            apiPort,
            containerIds,
            details,
            false);
    store.write(state, kubeconfig);
    Sandbox sandbox = handle(state, false);
    step(
        listener,
        "cluster",
        "waiting for the node and CoreDNS",
        () -> {
          Readiness.awaitCluster(sandbox.client(), stack.readiness().timeout());
          return "ready";
        });
    Map<String, Duration> preloaded = preload.await();
    preloaded.forEach(
        (image, took) ->
            listener.onEvent(
                ProgressListener.Event.done(
                    "images", "loaded " + image + " while k3s started", took)));
    deploy(
        docker,
        stack,
        options.forceConflicts(),
        k3s.getContainerId(),
        bindings,
        sandbox.client(),
        preloaded.keySet(),
        listener);
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
    if (!stack.monitoring().enabled() || details == null) {
      return;
    }
    new Prometheus(java.net.URI.create(details.get("url"))).awaitReady(Duration.ofSeconds(60));
  }

  /** The stack's {@link Stack#fingerprint()} plus a hash of the files it applies. */
  private static Map<String, String> parts(Stack stack) {
    Map<String, String> parts = new java.util.TreeMap<>(stack.fingerprint());
    List<Path> files = new ArrayList<>(stack.manifests().paths());
    files.addAll(stack.policies().custom());
    files.addAll(stack.monitoring().rules());
    parts.put("manifest-files", ManifestFiles.hash(files, stack.source().map(Path::getParent)));
    return parts;
  }

  /** Applies a changed stack to the running sandbox when no container needs to change. */
  private Sandbox applyChanged(
      DockerClient docker,
      Stack stack,
      SandboxState state,
      Map<String, String> parts,
      UpPlan plan,
      UpOptions options,
      ProgressListener listener) {
    if (plan.action() == UpPlan.Action.APPLY_IN_PLACE) {
      listener.onEvent(ProgressListener.Event.info(stack.name(), plan.reason()));
    }
    try (Sandbox sandbox = handle(state, false)) {
      deploy(
          docker,
          stack,
          options.forceConflicts(),
          state.containers().get("k3s"),
          bindings(docker, stack, state),
          sandbox.client(),
          Set.of(),
          listener);
    }
    awaitPrometheusUrl(stack, state);
    SandboxState updated = state.withStack(stack, parts);
    store.write(updated);
    return handle(updated, false);
  }

  /**
   * Re-applies a running sandbox's stack without restarting anything: reloads images, re-wires the
   * services, applies the manifests and waits for the workloads — the inner loop while editing
   * YAML.
   */
  public void apply(Stack stack, boolean forceConflicts, ProgressListener listener) {
    dev.sandbox.manifest.Preflight.check(stack);
    DockerClient docker = DockerEngine.client();
    SandboxState state = runningState(stack.name());
    List<ClusterBinding> bindings = bindings(docker, stack, state);
    try (Sandbox sandbox = handle(state, false)) {
      deploy(
          docker,
          stack,
          forceConflicts,
          state.containers().get("k3s"),
          bindings,
          sandbox.client(),
          Set.of(),
          listener);
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
    String nodeId = state.containers().get("k3s");
    ManifestLoader loader =
        new ManifestLoader(
            stack.manifests().excludeKinds(),
            imageMap(stack),
            dir -> Kustomize.render(docker, nodeId, dir, stack.source()));
    List<Manifest> manifests = new ArrayList<>();
    for (Manifest manifest : loader.load(paths)) {
      if (manifest.kind().equals("Namespace")) {
        continue;
      }
      manifest.resource().getMetadata().setNamespace(namespace);
      manifests.add(manifest);
    }
    List<ClusterBinding> bindings = bindings(docker, stack, state);
    try (Sandbox sandbox = handle(state, false)) {
      KubernetesClient client = sandbox.client();
      Wiring.apply(client, List.of(namespace), bindings);
      loadImages(docker, nodeId, stack, imageMap(stack), manifests, Set.of(), listener);
      Apply.apply(client, manifests, false, stack.readiness().timeout(), listener);
      Readiness.awaitWorkloads(client, manifests, stack.readiness().timeout(), listener);
    }
  }

  /** Loads images from the local Docker engine into a running sandbox's cluster. */
  public Map<String, Duration> load(String name, List<String> images, ProgressListener listener) {
    SandboxState state = runningState(name);
    DockerClient docker = DockerEngine.client();
    Map<String, Duration> took = new LinkedHashMap<>();
    for (String image : images) {
      took.put(
          image,
          step(
              listener,
              "images",
              "loading " + image,
              () -> K3sNode.importImage(docker, state.containers().get("k3s"), image)));
    }
    return took;
  }

  private void deploy(
      DockerClient docker,
      Stack stack,
      boolean forceConflicts,
      String nodeId,
      List<ClusterBinding> bindings,
      KubernetesClient client,
      Set<String> loaded,
      ProgressListener listener) {
    ImageMap images = imageMap(stack);
    ManifestLoader loader =
        new ManifestLoader(
            stack.manifests().excludeKinds(),
            images,
            dir -> Kustomize.render(docker, nodeId, dir, stack.source()));
    List<Manifest> manifests =
        step(listener, "manifests", "reading", () -> loader.load(stack.manifests().paths()));
    List<Manifest> monitoring = MonitoringPack.manifests(stack, loader);
    // one pass over the manifests and the monitoring pack, so each image is imported once
    List<Manifest> withImages = new ArrayList<>(manifests);
    withImages.addAll(monitoring);
    loadImages(docker, nodeId, stack, images, withImages, loaded, listener);
    Set<String> namespaces = namespaces(manifests);
    step(
        listener,
        "wiring",
        "services into " + String.join(", ", namespaces),
        () -> {
          Wiring.apply(client, namespaces, bindings);
          return bindings.size() + " service(s) into " + namespaces.size() + " namespace(s)";
        });
    Set<String> applicationNamespaces = applicationNamespaces(manifests);
    List<Manifest> packs = PolicyPacks.manifests(stack, applicationNamespaces, loader);
    if (!packs.isEmpty() || stack.policies().packs().contains("pod-security")) {
      step(
          listener,
          "policies",
          String.join(", ", stack.policies().packs())
              + (stack.policies().custom().isEmpty() ? "" : " + the team's own"),
          () -> {
            PolicyPacks.labelNamespaces(client, stack, applicationNamespaces);
            PolicyPacks.apply(client, packs, stack.readiness().timeout());
            PolicyPacks.awaitGuardrails(client, stack, Duration.ofSeconds(60));
            return packs.size()
                + " policy object(s); Pod Security "
                + (stack.policies().packs().contains("pod-security")
                    ? stack.policies().podSecurity().level()
                        + " ("
                        + stack.policies().podSecurity().mode()
                        + ")"
                    : "off")
                + (applicationNamespaces.isEmpty()
                    ? " (no application namespace yet)"
                    : " on " + String.join(", ", applicationNamespaces));
          });
    }
    if (!monitoring.isEmpty()) {
      step(
          listener,
          "monitoring",
          "Prometheus in " + MonitoringPack.NAMESPACE,
          () -> {
            Apply.apply(
                client, monitoring, true, stack.readiness().timeout(), ProgressListener.NONE);
            return "Prometheus applied (" + stack.monitoring().rules().size() + " rule file(s))";
          });
    }
    step(
        listener,
        "manifests",
        "applying " + manifests.size() + " object(s)",
        () -> {
          Apply.apply(client, manifests, forceConflicts, stack.readiness().timeout(), listener);
          return manifests.size() + " object(s) applied";
        });
    List<Manifest> workloads = new ArrayList<>(monitoring);
    workloads.addAll(manifests);
    Readiness.awaitWorkloads(client, workloads, stack.readiness().timeout(), listener);
  }

  /** Namespaces the manifests declare or put objects into: where the policy packs apply. */
  private static Set<String> applicationNamespaces(List<Manifest> manifests) {
    Set<String> result = new LinkedHashSet<>();
    for (Manifest manifest : manifests) {
      if (manifest.kind().equals("Namespace")) {
        result.add(manifest.name());
      } else if (manifest.namespace() != null) {
        result.add(manifest.namespace());
      }
    }
    return result;
  }

  /** The cluster view of a running sandbox's services: container addresses and credentials. */
  private List<ClusterBinding> bindings(DockerClient docker, Stack stack, SandboxState state) {
    Map<String, Credentials> credentials = store.credentials(stack.name());
    List<ClusterBinding> bindings = new ArrayList<>();
    for (BackingService service : services(stack)) {
      String id = state.containers().get(service.id());
      if (id == null) {
        throw new SandboxException(
            "The running sandbox '"
                + stack.name()
                + "' has no "
                + service.id()
                + " container, but the stack enables it. Run `sandbox down` and `sandbox up` to start it.");
      }
      String ip =
          docker
              .inspectContainerCmd(id)
              .exec()
              .getNetworkSettings()
              .getNetworks()
              .get("sandbox-" + stack.name())
              .getIpAddress();
      bindings.add(service.binding(stack, credentials.get(service.id()), ip));
    }
    return bindings;
  }

  private static List<BackingService> services(Stack stack) {
    return ServiceLoader.load(BackingService.class, SandboxEngine.class.getClassLoader()).stream()
        .map(ServiceLoader.Provider::get)
        .filter(s -> s.enabledIn(stack))
        .toList();
  }

  private SandboxState runningState(String name) {
    return store
        .read(name)
        .orElseThrow(
            () ->
                new SandboxException.NotFound(
                    "No sandbox named '"
                        + name
                        + "' is running here. Start it with `sandbox up`, or list the state folders in ~/.sandbox."));
  }

  /** Attaches to a running sandbox by name. */
  public Sandbox attach(String name) {
    SandboxState state = runningState(name);
    return handle(state, false);
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
    List<SandboxStatus.Component> components = new ArrayList<>();
    for (Container container : containers) {
      Map<Integer, Integer> ports = new java.util.TreeMap<>();
      if (container.getPorts() != null) {
        for (var port : container.getPorts()) {
          if (port.getPublicPort() != null && port.getPrivatePort() != null) {
            ports.put(port.getPrivatePort(), port.getPublicPort());
          }
        }
      }
      components.add(
          new SandboxStatus.Component(
              container.getLabels().getOrDefault(Labels.COMPONENT, "?"),
              container.getState(),
              container.getImage(),
              ports));
    }
    components.sort(java.util.Comparator.comparing(SandboxStatus.Component::name));
    List<SandboxStatus.Workload> workloads = new ArrayList<>();
    List<Prometheus.Alert> alerts = new ArrayList<>();
    String clusterError = null;
    Optional<SandboxState> state = store.read(name);
    if (state.isPresent()
        && components.stream()
            .anyMatch(c -> c.name().equals("k3s") && c.state().equals("running"))) {
      try (Sandbox sandbox = handle(state.get(), false)) {
        workloads.addAll(Workloads.list(sandbox.client()));
        if (sandbox
                .client()
                .services()
                .inNamespace(MonitoringPack.NAMESPACE)
                .withName(MonitoringPack.SERVICE)
                .get()
            != null) {
          alerts.addAll(sandbox.prometheus().alerts());
        }
      } catch (RuntimeException e) {
        clusterError =
            "the Kubernetes API of the k3s container does not answer ("
                + rootMessage(e)
                + "). Run `sandbox logs k3s`; `sandbox up` recreates a dead node keeping the data.";
      }
    }
    return new SandboxStatus(name, components, workloads, alerts, clusterError);
  }

  /** Containers of the sandbox, as Docker reports them. */
  public List<Container> containers(String name) {
    store.folder(name);
    return DockerEngine.containers(DockerEngine.client(), name);
  }

  /**
   * Removes every container, network and — unless {@code keepData} — volume carrying the sandbox's
   * label, and its state folder.
   *
   * @return what was removed
   */
  public List<String> down(String name, boolean keepData, ProgressListener listener) {
    store.folder(name); // validates the name before anything is touched
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
    return handle(sandbox.state(), true);
  }

  private Sandbox handle(SandboxState state, boolean owned) {
    String kubeconfig;
    try {
      kubeconfig = java.nio.file.Files.readString(Path.of(state.kubeconfig()));
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

  private String resolve(ImageMap images, String official) {
    String image = images.apply(official);
    if (!image.contains("@")) {
      // decided now, before any container starts, instead of inside a start that retries
      SandboxPullPolicy.ensureLocal(image, config.offline());
    }
    return image;
  }

  private void configure(
      GenericContainer<?> container,
      Stack stack,
      String component,
      Network network,
      List<Integer> ports,
      String volume,
      String dataPath,
      Map<Integer, Integer> pinnedHostPorts) {
    Map<String, String> labels =
        new HashMap<>(Labels.of(stack.name(), stack.hash(), VERSION, component));
    labels.put(Labels.STATE_ROOT, store.root().toString());
    container
        .withNetwork(network)
        .withNetworkAliases(component)
        .withLabels(labels)
        .withStartupTimeout(stack.readiness().timeout())
        .withCreateContainerCmdModifier(
            cmd -> {
              cmd.withName("sandbox-" + stack.name() + "-" + component);
              // Publish on loopback only: the sandbox is for this machine, not its network. Every
              // port
              // Testcontainers exposes is bound (it waits for all of them to be mapped).
              Set<ExposedPort> exposed = new LinkedHashSet<>();
              ports.forEach(p -> exposed.add(ExposedPort.tcp(p)));
              if (cmd.getExposedPorts() != null) {
                exposed.addAll(List.of(cmd.getExposedPorts()));
              }
              List<PortBinding> bindings =
                  exposed.stream()
                      .map(
                          p ->
                              new PortBinding(
                                  pinnedHostPorts.containsKey(p.getPort())
                                      ? Ports.Binding.bindIpAndPort(
                                          "127.0.0.1", pinnedHostPorts.get(p.getPort()))
                                      : Ports.Binding.bindIp("127.0.0.1"),
                                  p))
                      .toList();
              cmd.withExposedPorts(new ArrayList<>(exposed));
              cmd.getHostConfig().withPublishAllPorts(false).withPortBindings(bindings);
              if (volume != null) {
                List<Bind> binds =
                    new ArrayList<>(
                        cmd.getHostConfig().getBinds() == null
                            ? List.of()
                            : List.of(cmd.getHostConfig().getBinds()));
                binds.add(new Bind(volume, new Volume(dataPath)));
                cmd.getHostConfig().withBinds(binds);
              }
            });
  }

  /**
   * Creates the labelled data volume unless it exists; true when it was created. The volume of a
   * throwaway sandbox carries Testcontainers' session label too, so the resource reaper removes it
   * with the containers when the JVM dies.
   */
  private static boolean createVolume(
      DockerClient docker, Stack stack, String volume, String service, boolean persistent) {
    try {
      docker.inspectVolumeCmd(volume).exec();
      return false;
    } catch (NotFoundException e) {
      docker
          .createVolumeCmd()
          .withName(volume)
          .withLabels(
              Labels.reapable(Labels.of(stack.name(), stack.hash(), VERSION, service), persistent))
          .exec();
      return true;
    }
  }

  private static void startConcurrently(
      List<GenericContainer<?>> containers, ProgressListener listener) {
    startConcurrently(containers, listener, startPool());
  }

  private static ExecutorService startPool() {
    return Executors.newCachedThreadPool(
        r -> {
          Thread thread = new Thread(r, "sandbox-start");
          thread.setDaemon(true);
          return thread;
        });
  }

  private static void startConcurrently(
      List<GenericContainer<?>> containers, ProgressListener listener, ExecutorService pool) {
    try {
      List<CompletableFuture<Void>> starts = new ArrayList<>();
      for (GenericContainer<?> container : containers) {
        String component =
            container.getNetworkAliases().stream()
                .filter(a -> !a.startsWith("tc-"))
                .findFirst()
                .orElse("container");
        starts.add(
            CompletableFuture.runAsync(
                () -> {
                  Instant begin = Instant.now();
                  listener.onEvent(
                      ProgressListener.Event.started(
                          component, "starting " + container.getDockerImageName()));
                  try {
                    container.start();
                  } catch (RuntimeException e) {
                    listener.onEvent(
                        ProgressListener.Event.failed(
                            component, rootMessage(e), Duration.between(begin, Instant.now())));
                    throw new SandboxException.ServiceStartup(
                        component
                            + " ("
                            + container.getDockerImageName()
                            + ") did not start: "
                            + rootMessage(e)
                            + lastLogs(container)
                            + "\nRun `sandbox doctor`, or raise readiness.timeout if the machine is slow.",
                        e);
                  }
                  listener.onEvent(
                      ProgressListener.Event.done(
                          component, "started", Duration.between(begin, Instant.now())));
                },
                pool));
      }
      List<SandboxException> failures = new ArrayList<>();
      for (CompletableFuture<Void> start : starts) {
        try {
          start.join();
        } catch (CompletionException e) {
          failures.add(
              e.getCause() instanceof SandboxException s
                  ? s
                  : new SandboxException(rootMessage(e), e.getCause()));
        }
      }
      if (!failures.isEmpty()) {
        SandboxException first = failures.get(0);
        failures.stream().skip(1).forEach(first::addSuppressed);
        throw first;
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String lastLogs(GenericContainer<?> container) {
    try {
      String logs = container.getLogs();
      if (logs == null || logs.isBlank()) {
        return "";
      }
      List<String> lines = logs.lines().toList();
      return "\nLast log lines:\n  "
          + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (RuntimeException e) {
      return "";
    }
  }

  /** The first message in the cause chain that says something about the real problem. */
  static String rootMessage(Throwable error) {
    Throwable cursor = error;
    String message = error.getMessage();
    while (cursor != null) {
      if (cursor instanceof SandboxException && cursor.getMessage() != null) {
        return cursor.getMessage();
      }
      if (cursor.getMessage() != null) {
        message = cursor.getMessage();
      }
      cursor = cursor.getCause() == cursor ? null : cursor.getCause();
    }
    return message;
  }

  private static String ipOn(GenericContainer<?> container, String networkName) {
    InspectContainerResponse info = container.getContainerInfo();
    var network = info.getNetworkSettings().getNetworks().get(networkName);
    if (network == null || network.getIpAddress() == null) {
      throw new SandboxException.ServiceStartup(
          "Container " + info.getName() + " has no address on network " + networkName, null);
    }
    return network.getIpAddress();
  }

  /**
   * The namespaces production objects live in: declared Namespaces, used namespaces, and default.
   */
  private static Set<String> namespaces(List<Manifest> manifests) {
    Set<String> result = new LinkedHashSet<>();
    result.add("default");
    for (Manifest manifest : manifests) {
      if (manifest.kind().equals("Namespace")) {
        result.add(manifest.name());
      } else if (manifest.namespace() != null) {
        result.add(manifest.namespace());
      }
    }
    return result;
  }

  private void loadImages(
      DockerClient docker,
      String nodeId,
      Stack stack,
      ImageMap images,
      List<Manifest> manifests,
      Set<String> loaded,
      ProgressListener listener) {
    Set<String> wanted = new LinkedHashSet<>();
    stack.images().forEach(image -> wanted.add(images.apply(image)));
    // images reached through the map that exist locally are loaded too, so mapped pods need no
    // registry
    for (Manifest manifest : manifests) {
      collectImages(manifest.resource().getAdditionalProperties(), wanted, docker, images);
    }
    wanted.removeAll(loaded);
    if (config.offline()) {
      requireLocal(docker, manifests, wanted, loaded);
    }
    for (String image : wanted) {
      step(
          listener,
          "images",
          "loading " + image,
          () -> {
            Duration took = K3sNode.importImage(docker, nodeId, image);
            return "loaded " + image + " in " + took.toMillis() + " ms";
          });
    }
  }

  /**
   * Offline, a workload whose image is neither loaded nor in the local engine can only end in
   * ImagePullBackOff after the readiness timeout: say so now, naming each image and its object.
   */
  private static void requireLocal(
      DockerClient docker, List<Manifest> manifests, Set<String> wanted, Set<String> loaded) {
    Map<String, String> missing = new LinkedHashMap<>();
    for (Manifest manifest : manifests) {
      Set<String> used = new LinkedHashSet<>();
      allImages(manifest.resource().getAdditionalProperties(), used);
      for (String image : used) {
        if (!wanted.contains(image)
            && !loaded.contains(image)
            && !missing.containsKey(image)
            && !presentLocally(docker, image)) {
          missing.put(image, manifest.origin());
        }
      }
    }
    if (!missing.isEmpty()) {
      StringBuilder text =
          new StringBuilder(
              "Offline, and these images of the manifests are not in the local Docker engine, so"
                  + " their pods could never start:\n");
      missing.forEach(
          (image, origin) ->
              text.append("  ").append(image).append("  (").append(origin).append(")\n"));
      text.append(
          "Build or load them (docker build / docker load), or map each to an image you have under"
              + " image-map in sandbox.yaml or ~/.sandbox/config.yaml.");
      throw new SandboxException.ImageUnavailable(
          missing.keySet().iterator().next(), text.toString());
    }
  }

  private static void allImages(Object node, Set<String> into) {
    if (node instanceof Map<?, ?> map) {
      map.forEach(
          (key, value) -> {
            if ("image".equals(key) && value instanceof String image && !image.isBlank()) {
              into.add(image);
            } else {
              allImages(value, into);
            }
          });
    } else if (node instanceof List<?> list) {
      list.forEach(item -> allImages(item, into));
    }
  }

  /**
   * Images to load while k3s starts: the stack's own (which must exist locally — checked before
   * anything starts) and the monitoring pack's when the local Docker engine has it.
   */
  private List<String> preloadable(DockerClient docker, Stack stack, ImageMap images) {
    List<String> result = new ArrayList<>();
    for (String image : stack.images()) {
      String local = images.apply(image);
      if (!presentLocally(docker, local)) {
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
    if (stack.monitoring().enabled()) {
      String official = stack.monitoring().image();
      String local = images.apply(official);
      // present locally (mapped, or the official image pulled before): load it rather than have
      // k3s pull it from a registry again
      if (presentLocally(docker, local) && !result.contains(local)) {
        result.add(local);
      }
    }
    return result;
  }

  private static void collectImages(
      Object node, Set<String> into, DockerClient docker, ImageMap images) {
    if (node instanceof Map<?, ?> map) {
      map.forEach(
          (key, value) -> {
            if ("image".equals(key)
                && value instanceof String image
                && !into.contains(image)
                && !images.entries().isEmpty()
                && images.entries().containsValue(image)
                && presentLocally(docker, image)) {
              into.add(image);
            } else {
              collectImages(value, into, docker, images);
            }
          });
    } else if (node instanceof List<?> list) {
      list.forEach(item -> collectImages(item, into, docker, images));
    }
  }

  private static boolean presentLocally(DockerClient docker, String image) {
    try {
      docker.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static String kubeconfig(String yaml, String name, int port) {
    @SuppressWarnings("unchecked")
    Map<String, Object> config =
        (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(yaml);
    String context = "sandbox-" + name;
    rename(
        config, "clusters", context, "cluster", c -> c.put("server", "https://127.0.0.1:" + port));
    rename(config, "users", context, "user", u -> {});
    rename(
        config,
        "contexts",
        context,
        "context",
        c -> {
          c.put("cluster", context);
          c.put("user", context);
          // like kubectl: objects without a namespace go to "default"
          c.putIfAbsent("namespace", "default");
        });
    config.put("current-context", context);
    return new Dump(DumpSettings.builder().build()).dumpToString(config);
  }

  @SuppressWarnings("unchecked")
  private static void rename(
      Map<String, Object> config,
      String section,
      String name,
      String inner,
      java.util.function.Consumer<Map<String, Object>> edit) {
    for (Object item : (List<Object>) config.get(section)) {
      Map<String, Object> entry = (Map<String, Object>) item;
      entry.put("name", name);
      edit.accept((Map<String, Object>) entry.get(inner));
    }
  }

  private static <T> T step(
      ProgressListener listener,
      String component,
      String message,
      java.util.function.Supplier<T> action) {
    Instant begin = Instant.now();
    listener.onEvent(ProgressListener.Event.started(component, message));
    try {
      T result = action.get();
      listener.onEvent(
          ProgressListener.Event.done(
              component,
              String.valueOf(result instanceof String s ? s : message),
              Duration.between(begin, Instant.now())));
      return result;
    } catch (RuntimeException e) {
      listener.onEvent(
          ProgressListener.Event.failed(
              component, rootMessage(e), Duration.between(begin, Instant.now())));
      throw e;
    }
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
