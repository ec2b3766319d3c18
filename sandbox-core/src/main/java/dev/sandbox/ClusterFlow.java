package dev.sandbox;

import dev.sandbox.cluster.ClusterConnection;
import dev.sandbox.cluster.ClusterSandboxes;
import dev.sandbox.cluster.InClusterServices;
import dev.sandbox.cluster.Tenancy;
import dev.sandbox.engine.Deployment;
import dev.sandbox.engine.UpPlan;
import dev.sandbox.service.BackingService;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.service.Credentials;
import dev.sandbox.service.Registry;
import dev.sandbox.stack.Stack;
import dev.sandbox.state.StateStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code up} and {@code down} on a cluster target: the stack goes into the sandbox's own namespaces
 * of an existing cluster ({@link Deployment#onCluster}), its services as StatefulSets there, and
 * the host reaches them through port-forwards the handle keeps. What it created is removed when the
 * start fails. Internal.
 */
final class ClusterFlow {

  /** The state entry describing a cluster target (beside the services' details). */
  static final String STATE_KEY = "cluster-target";

  /** How long {@code down} waits for the sandbox's namespaces to be gone. */
  static final Duration NAMESPACES_GONE = Duration.ofMinutes(3);

  private final SandboxEngine engine;
  private final StateStore store;

  ClusterFlow(SandboxEngine engine, StateStore store) {
    this.engine = engine;
    this.store = store;
  }

  /** The state's lease kind of a sandbox whose lease its process renews. */
  static final String HELD = "held";

  static boolean isCluster(SandboxState state) {
    return state.services().containsKey(STATE_KEY);
  }

  /**
   * @param held the sandbox lives as long as this process: its lease lasts a minute and the handle
   *     renews it (tests, exec); otherwise it lasts the stack's {@code target.expiry}
   */
  SandboxState up(Stack stack, UpOptions options, boolean held, ProgressListener listener) {
    String name = stack.name();
    String context = stack.target().context().orElseThrow();
    Tenancy tenancy = Tenancy.of(stack, store.root().toString());
    String kubeconfig = ClusterConnection.kubeconfig(stack.target(), tenancy.servicesNamespace());
    Instant begin = Instant.now();
    listener.onEvent(ProgressListener.Event.started("cluster", "connecting to context " + context));
    KubernetesClient client = ClusterConnection.client(kubeconfig, context);
    listener.onEvent(
        ProgressListener.Event.done(
            "cluster",
            client.getConfiguration().getMasterUrl() + " as sandbox " + tenancy.id(),
            Duration.between(begin, Instant.now())));
    ImageMap images = engine.imageMap(stack);
    List<InClusterServices.Wanted> wanted = new ArrayList<>();
    List<ClusterBinding> bindings = new ArrayList<>();
    boolean existed;
    try {
      Map<String, Credentials> credentials = store.credentials(name);
      List<BackingService> services = Registry.enabledIn(stack);
      services.forEach(s -> credentials.computeIfAbsent(s.id(), id -> Credentials.generate()));
      store.writeCredentials(name, credentials);
      for (BackingService service : services) {
        var spec = stack.service(service.id()).orElseThrow();
        InClusterServices.Wanted one =
            new InClusterServices.Wanted(
                service, spec, images.apply(spec.image()), credentials.get(service.id()));
        wanted.add(one);
        bindings.add(InClusterServices.binding(one, tenancy.servicesNamespace()));
      }
      // the lease is held (a minute, renewed here) while up runs, so that a start killed or
      // interrupted half-way is collected by gc within a minute; a CLI sandbox's lease is set to
      // the stack's expiry once up ends
      existed = own(client, tenancy).isPresent();
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    String leaseNamespace = tenancy.servicesNamespace();
    java.util.concurrent.ScheduledExecutorService renewing =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "sandbox-lease-up-" + name);
              thread.setDaemon(true);
              return thread;
            });
    long every = ClusterSandboxes.RENEW_EVERY.toMillis();
    renewing.scheduleAtFixedRate(
        () -> ClusterSandboxes.renew(client, leaseNamespace),
        every,
        every,
        java.util.concurrent.TimeUnit.MILLISECONDS);
    Thread onInterrupt =
        new Thread(
            () -> {
              renewing.shutdownNow();
              if (!existed) {
                try (KubernetesClient again = ClusterConnection.client(kubeconfig, context)) {
                  removeOwn(again, tenancy);
                } catch (RuntimeException ignored) {
                  // the lease expires within a minute: gc removes the rest
                }
              }
            },
            "sandbox-interrupted-cluster-up");
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    Deployment.OnCluster deployed;
    boolean removed = false;
    try {
      deployed =
          Deployment.onCluster(
              stack,
              images,
              client,
              tenancy,
              wanted,
              bindings,
              ClusterSandboxes.HELD,
              Map.of(
                  "sandbox.dev/run",
                  java.util.UUID.randomUUID().toString().substring(0, 8),
                  "sandbox.dev/expires",
                  held
                      ? "while-its-process-lives"
                      : String.valueOf(
                          Instant.now().plus(stack.target().expiry()).getEpochSecond())),
              options.forceConflicts(),
              listener);
    } catch (RuntimeException e) {
      renewing.shutdownNow();
      if (!existed && !options.keepOnFailure()) {
        listener.onEvent(
            ProgressListener.Event.info(name, "removing what was created on the cluster"));
        try {
          removeOwn(client, tenancy);
          removed = true;
        } catch (RuntimeException cleanup) {
          // the start's own failure is what the user needs; the lease expires within a minute
          e.addSuppressed(cleanup);
        }
      } else if (existed) {
        listener.onEvent(
            ProgressListener.Event.info(
                name, "the sandbox that ran before keeps running, with its data"));
      }
      throw e;
    } finally {
      renewing.shutdownNow();
      try {
        Runtime.getRuntime().removeShutdownHook(onInterrupt);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs: it cleans up
      }
      try {
        if (!removed && !held) {
          // fails loudly on success: a CLI sandbox left on a minute's lease would be gc'd
          ClusterSandboxes.extend(client, leaseNamespace, stack.target().expiry());
        }
      } finally {
        client.close();
      }
    }
    Map<String, Map<String, String>> details = new LinkedHashMap<>();
    Optional<SandboxState> previous = store.read(name).filter(ClusterFlow::isCluster);
    for (InClusterServices.Wanted one : wanted) {
      Map<Integer, Integer> ports = new HashMap<>();
      // the ports of the run before, when this is a re-up: a running `port-forward --services`
      // and what `env` printed stay right
      Map<String, String> before =
          previous.map(s -> s.services().get(one.service().id())).orElse(Map.of());
      one.service()
          .publishedPorts()
          .forEach(
              p -> {
                String kept = before == null ? null : before.get("published." + p);
                ports.put(
                    p, kept != null && kept.matches("\\d+") ? Integer.parseInt(kept) : freePort());
              });
      Map<String, String> host =
          new LinkedHashMap<>(one.service().hostDetails(one.spec(), one.credentials(), ports));
      ports.forEach((inside, outside) -> host.put("published." + inside, outside.toString()));
      details.put(one.service().id(), host);
    }
    Map<String, String> target = new LinkedHashMap<>();
    target.put("context", context);
    target.put("id", tenancy.id());
    target.put("services-namespace", tenancy.servicesNamespace());
    target.put("namespaces", String.join(",", deployed.namespaces()));
    List<String> mapping = new ArrayList<>();
    deployed.mapping().forEach((from, to) -> mapping.add(from + "=" + to));
    mapping.add(Tenancy.SERVICES + "=" + tenancy.servicesNamespace());
    stack.target().namespaces().forEach((from, to) -> mapping.add(from + "=" + to));
    target.put("mapping", String.join(",", mapping));
    target.put("left-out", String.valueOf(deployed.leftOut().size()));
    target.put("lease", held ? HELD : "expiry");
    details.put(STATE_KEY, target);
    SandboxState state =
        new SandboxState(
            name,
            stack.hash(),
            UpPlan.parts(stack),
            stack.source().map(Path::toString).orElse("embedded"),
            SandboxEngine.VERSION,
            Instant.now(),
            store.kubeconfig(name).toString(),
            0,
            Map.of(),
            details,
            true);
    store.write(state, kubeconfig);
    return state;
  }

  /** This tenancy's sandbox on the cluster, as its lease describes it, if it has one. */
  private static Optional<ClusterSandboxes.Found> own(KubernetesClient client, Tenancy tenancy) {
    return ClusterSandboxes.list(client, List.of(tenancy.servicesNamespace())).stream()
        .filter(f -> tenancy.id().equals(f.id()))
        .findFirst();
  }

  /** Removes this tenancy's sandbox from the cluster as its lease describes it, if it has one. */
  private static List<String> removeOwn(KubernetesClient client, Tenancy tenancy) {
    Optional<ClusterSandboxes.Found> found = own(client, tenancy);
    return found.map(f -> ClusterSandboxes.remove(client, f, NAMESPACES_GONE)).orElse(List.of());
  }

  /** {@code down} of a sandbox on a cluster target: its namespaces (or objects) and its state. */
  List<String> down(SandboxState state, ProgressListener listener) {
    Map<String, String> target = state.services().get(STATE_KEY);
    Instant begin = Instant.now();
    listener.onEvent(
        ProgressListener.Event.started(
            state.name(),
            "removing " + target.get("namespaces") + " from " + target.get("context")));
    String kubeconfig = engine.kubeconfigOf(state);
    List<String> removed;
    try (KubernetesClient client = ClusterConnection.client(kubeconfig, target.get("context"))) {
      Optional<ClusterSandboxes.Found> found =
          ClusterSandboxes.list(client, List.of(target.get("services-namespace"))).stream()
              .filter(f -> target.get("id").equals(f.id()))
              .findFirst();
      // without a lease (it could not be written, or was removed by hand), what the state
      // recorded: namespaces are deleted only where they carry this sandbox's labels
      ClusterSandboxes.Found recorded =
          found.orElseGet(
              () ->
                  new ClusterSandboxes.Found(
                      target.get("id"),
                      state.name(),
                      "",
                      target.get("services-namespace"),
                      Instant.EPOCH,
                      Duration.ZERO,
                      List.of(target.get("namespaces").split(",")),
                      List.of()));
      removed = ClusterSandboxes.remove(client, recorded, NAMESPACES_GONE);
    }
    store.remove(state.name(), false);
    listener.onEvent(
        ProgressListener.Event.done(
            state.name(),
            "removed " + removed.size() + " namespace(s)/object(s)",
            Duration.between(begin, Instant.now())));
    return removed;
  }

  /**
   * {@code status} of a sandbox on a cluster target: its services' StatefulSets as components and
   * the workloads of its own namespaces; an unreachable cluster becomes the message.
   */
  static SandboxStatus status(
      SandboxState state, java.util.function.Function<SandboxState, String> kubeconfigOf) {
    Map<String, String> target = state.services().get(STATE_KEY);
    List<SandboxStatus.Component> components = new ArrayList<>();
    List<SandboxStatus.Workload> workloads = new ArrayList<>();
    String error = null;
    try (KubernetesClient client =
        ClusterConnection.client(kubeconfigOf.apply(state), target.get("context"))) {
      for (var set :
          client
              .apps()
              .statefulSets()
              .inNamespace(target.get("services-namespace"))
              .withLabel(Tenancy.SANDBOX, target.get("id"))
              .list()
              .getItems()) {
        Integer ready = set.getStatus() == null ? null : set.getStatus().getReadyReplicas();
        components.add(
            new SandboxStatus.Component(
                set.getMetadata().getLabels() == null
                    ? set.getMetadata().getName()
                    : set.getMetadata()
                        .getLabels()
                        .getOrDefault("sandbox.dev/service", set.getMetadata().getName()),
                ready != null && ready > 0 ? "running" : "starting",
                set.getSpec().getTemplate().getSpec().getContainers().get(0).getImage(),
                Map.of()));
      }
      workloads.addAll(
          dev.sandbox.inspect.Workloads.list(client, List.of(target.get("namespaces").split(","))));
    } catch (RuntimeException e) {
      error =
          "the cluster of context "
              + target.get("context")
              + " does not answer ("
              + SandboxException.describe(e)
              + ")";
    }
    return new SandboxStatus(state.name(), components, workloads, List.of(), error);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new SandboxException("No free local port for a port-forward: " + e.getMessage(), e);
    }
  }
}
