package dev.sandbox;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox.docker.DockerEngine;
import dev.sandbox.engine.Deployment;
import dev.sandbox.engine.Kubeconfigs;
import dev.sandbox.engine.LocalSlice;
import dev.sandbox.engine.Slice;
import dev.sandbox.engine.UpPlan;
import dev.sandbox.k3s.ClusterSnapshots;
import dev.sandbox.k3s.K3sNode;
import dev.sandbox.k3s.Readiness;
import dev.sandbox.monitoring.MonitoringPack;
import dev.sandbox.monitoring.Prometheus;
import dev.sandbox.service.BackingService;
import dev.sandbox.service.Credentials;
import dev.sandbox.service.Registry;
import dev.sandbox.stack.Stack;
import dev.sandbox.state.StateStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;
import org.testcontainers.utility.TestcontainersConfiguration;

/**
 * The flow of {@code up} once the name is locked: observe, {@link UpPlan#decide decide}, then start
 * fresh ({@link LocalSlice} → cluster ready → {@link Deployment}), restart dead services, apply in
 * place, or recreate keeping the data. {@link SandboxEngine} is the facade in front of it.
 */
final class UpFlow {

  /** How long {@code up} waits for Prometheus to answer on its published URL. */
  private static final Duration PROMETHEUS_URL = Duration.ofSeconds(60);

  private final SandboxEngine engine;
  private final SandboxConfig config;
  private final StateStore store;

  /** Where snapshots of ready clusters are kept; empty when they are off. */
  private final Optional<ClusterSnapshots> snapshots;

  UpFlow(SandboxEngine engine, SandboxConfig config, StateStore store) {
    this.engine = engine;
    this.config = config;
    this.store = store;
    this.snapshots = config.snapshots().map(ClusterSnapshots::new);
  }

  Sandbox run(Stack stack, UpOptions options, ProgressListener listener) {
    DockerClient docker = DockerEngine.client();
    String name = stack.name();
    List<Container> existing = DockerEngine.containers(docker, name);
    Optional<SandboxState> state = existing.isEmpty() ? Optional.empty() : store.read(name);
    Map<String, String> parts = UpPlan.parts(stack);
    UpPlan plan =
        UpPlan.decide(
            parts,
            Registry.enabledIn(stack).stream().map(BackingService::id).collect(Collectors.toSet()),
            options.reuse(),
            UpPlan.Observed.of(existing, state, store.root().toString()));
    switch (plan.action()) {
      case REFUSE_FOREIGN:
      case REFUSE_EXISTS:
        throw plan.refusal(name, store.root().toString());
      case REUSE:
        listener.onEvent(ProgressListener.Event.info(name, plan.reason()));
        // an `up` interrupted before the end left its services at the boot share
        LocalSlice.fullCpuShares(docker, state.orElseThrow().containers());
        return engine.handle(state.orElseThrow(), false);
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
        {
          // volumes the interrupted start created before any service was ready hold no data, but
          // maybe a half-initialised database that would never start: those are replaced
          List<String> unready = store.newVolumes(name);
          listener.onEvent(
              ProgressListener.Event.info(
                  name,
                  plan.reason()
                      + " — replacing it; "
                      + (unready.isEmpty()
                          ? "data volumes are kept"
                          : "the data volumes it created before its services were ever ready ("
                              + String.join(", ", unready)
                              + ") are replaced, any other is kept")));
          engine.removeLocked(name, true, ProgressListener.NONE);
          unready.forEach(volume -> DockerEngine.removeVolume(docker, volume));
          store.clearNewVolumes(name);
          return startFresh(docker, stack, options, listener);
        }
      case RECREATE_KEEP_DATA:
        listener.onEvent(ProgressListener.Event.info(name, plan.reason()));
        engine.removeLocked(name, true, ProgressListener.NONE);
        return startFresh(docker, stack, options, listener);
      case FRESH:
      default:
        return startFresh(docker, stack, options, listener);
    }
  }

  private LocalSlice slice(DockerClient docker, Stack stack) {
    LocalSlice slice =
        new LocalSlice(
            docker,
            stack,
            engine.imageMap(stack),
            config.offline(),
            store.root().toString(),
            SandboxEngine.VERSION);
    snapshots.ifPresent(slice::withSnapshots);
    return slice;
  }

  /** The node booted from a snapshot did not come up: the snapshot is discarded and not used. */
  private static final class SnapshotBootFailed extends SandboxException {
    private final String key;

    /** The file could not be copied in whole (else: the node did not come up from it). */
    private final boolean unreadable;

    SnapshotBootFailed(String key, boolean unreadable, RuntimeException cause) {
      super(SandboxException.describe(cause), cause);
      this.key = key;
      this.unreadable = unreadable;
    }
  }

  /**
   * Starts the slice; when its node booted from a snapshot of a ready cluster and did not come up,
   * the snapshot is discarded and the slice started once more, afresh.
   */
  private Sandbox startFresh(
      DockerClient docker, Stack stack, UpOptions options, ProgressListener listener) {
    try {
      return startSlice(docker, stack, options, listener);
    } catch (SnapshotBootFailed e) {
      // a file that could not be read is replaced; a k3s that does not come up from a good copy
      // is not given another one
      snapshots.ifPresent(
          s -> {
            if (e.unreadable) {
              s.discard(e.key);
            } else {
              s.markUnusable(e.key);
            }
          });
      if (options.keepOnFailure()) {
        // what failed is kept for debugging: a second start would replace it
        throw new SandboxException(
            "The node did not come up from the cluster snapshot "
                + e.key
                + " ("
                + e.getMessage()
                + "); the snapshot is discarded, so the next `up` boots afresh. The failed"
                + " containers are kept (--keep-on-failure).",
            e.getCause());
      }
      listener.onEvent(
          ProgressListener.Event.info(
              "k3s",
              "the node did not come up from the cluster snapshot ("
                  + e.getMessage()
                  + "); discarded it, starting afresh"
                  + (e.unreadable
                      ? ""
                      : " (nodes of this k3s image and flags boot afresh here from now on;"
                          + " `sandbox gc --snapshots` forgets that)")));
      return startSlice(docker, stack, options, listener);
    }
  }

  private Sandbox startSlice(
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
    List<BackingService> services = Registry.enabledIn(stack);
    Map<String, Credentials> credentials = store.credentials(name);
    services.forEach(s -> credentials.computeIfAbsent(s.id(), id -> Credentials.generate()));
    store.writeCredentials(name, credentials);
    Thread onInterrupt =
        new Thread(
            () -> {
              // the clean-up never depends on the front end: a listener that fails (its output
              // closed under Ctrl-C) is ignored
              java.util.function.Consumer<String> tell =
                  message -> {
                    try {
                      listener.onEvent(ProgressListener.Event.info(name, message));
                    } catch (RuntimeException ignored) {
                      // nothing to tell it with
                    }
                  };
              tell.accept("interrupted — removing what this start created");
              store.remove(name, slice.interrupt(tell));
            },
            "sandbox-interrupted-up");
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    // the Kubernetes client is first needed once the node answers, seconds from now
    dev.sandbox.k3s.ClientWarmUp.start();
    try {
      LocalSlice.Started started =
          slice.start(
              options.persistent(),
              credentials,
              services,
              preloadable,
              volumes -> store.writeNewVolumes(name, volumes),
              listener);
      store.clearNewVolumes(name); // every service answered ready: its volume is initialised
      return finishUp(docker, stack, options, started, listener);
    } catch (RuntimeException e) {
      RuntimeException failure = e;
      if (!(e instanceof SnapshotBootFailed)
          && !(e instanceof SandboxException.Interrupted)
          && !options.keepOnFailure()
          && slice.snapshotBootFailed()) {
        failure =
            new SnapshotBootFailed(slice.snapshotKey().orElseThrow(), slice.restoreFailed(), e);
      }
      if (!options.keepOnFailure()) {
        listener.onEvent(
            ProgressListener.Event.info(
                name, "removing what was started (data volumes that held data are kept)"));
        store.remove(name, slice.abandon());
      }
      throw failure;
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
            SandboxEngine.VERSION,
            Instant.now(),
            store.kubeconfig(name).toString(),
            slice.apiPort(),
            slice.containers(),
            slice.details(),
            false);
    // compressed while the deployment goes on; awaited before `up` returns or fails, so the
    // process never exits half-way through writing it
    List<java.util.concurrent.CompletableFuture<Void>> snapshotTaken = new java.util.ArrayList<>();
    store.write(state, Kubeconfigs.forSandbox(slice.kubeconfigYaml(), name, slice.apiPort()));
    try {
      return deploy(docker, stack, options, started, state, snapshotTaken, listener);
    } finally {
      for (var taking : snapshotTaken) {
        try {
          taking.get(SNAPSHOT_AT_MOST.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          // reported by the future itself; a snapshot never fails the sandbox
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** How long `up` waits at most for the cluster's CRDs to be established before a snapshot. */
  private static final Duration CRDS_SETTLE = Duration.ofSeconds(10);

  /** How long `up` waits at most for a snapshot still being compressed. */
  private static final Duration SNAPSHOT_AT_MOST = Duration.ofSeconds(60);

  private Sandbox deploy(
      DockerClient docker,
      Stack stack,
      UpOptions options,
      LocalSlice.Started started,
      SandboxState state,
      List<java.util.concurrent.CompletableFuture<Void>> snapshotTaken,
      ProgressListener listener) {
    Slice slice = started.slice();
    ExecutorService readiness =
        java.util.concurrent.Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "sandbox-cluster-readiness");
              thread.setDaemon(true);
              return thread;
            });
    try (Sandbox sandbox = engine.handle(state, false)) {
      Instant bootedAt = bootedAt(docker, slice.nodeId(), started.starting());
      Duration nodeTimeout =
          LocalSlice.nodeTimeout(stack.readiness().timeout(), started.restored());
      boolean restored = false;
      if (started.restored()) {
        // a node from a snapshot counts as started once it wrote its kubeconfig: its API server
        // answers seconds before the node is Ready, and what only writes objects goes on meanwhile
        try {
          Readiness.awaitApi(sandbox.client(), nodeTimeout);
          if (started.restoreFailure().get().isPresent()) {
            // it runs on part of the datastore
            throw new SandboxException(started.restoreFailure().get().get());
          }
        } catch (RuntimeException e) {
          throw bootFailed(started, e);
        }
        restored = restored(sandbox.client(), bootedAt);
        if (!restored) {
          // the copy did not take (the file is not a snapshot): a node that boots afresh
          String key = started.snapshotKey().orElseThrow();
          snapshots.ifPresent(s -> s.discard(key));
          listener.onEvent(
              ProgressListener.Event.info(
                  "cluster",
                  "the cluster snapshot "
                      + key
                      + " could not be restored (the node boots afresh); discarded it"));
        }
      }
      Runnable clusterReady;
      if (restored) {
        clusterReady =
            awaitClusterMeanwhile(
                readiness, sandbox.client(), nodeTimeout, bootedAt, started, listener);
      } else {
        Instant begin = Instant.now();
        listener.onEvent(
            ProgressListener.Event.started("cluster", "waiting for the node and CoreDNS"));
        try {
          Readiness.awaitCluster(sandbox.client(), nodeTimeout, bootedAt);
        } catch (RuntimeException e) {
          throw started.restored() ? bootFailed(started, e) : e;
        }
        listener.onEvent(
            ProgressListener.Event.done(
                "cluster", "ready", Duration.between(begin, Instant.now())));
        if (started.snapshotKey().isPresent()
            && !snapshots.orElseThrow().unusable(started.snapshotKey().get())) {
          // before anything of the sandbox's own is in it, and not while k3s installs its
          // add-ons' CRDs: one caught half-installed would never be served by a node booted from
          // the snapshot
          if (Readiness.crdsEstablished(sandbox.client(), CRDS_SETTLE)) {
            snapshotTaken.add(
                snapshot(docker, slice.nodeId(), started.snapshotKey().get(), listener));
          } else {
            listener.onEvent(
                ProgressListener.Event.info(
                    "cluster",
                    "no snapshot of this cluster kept: k3s was still installing custom resource"
                        + " definitions; the next node boots afresh and keeps one"));
          }
        }
        clusterReady = () -> {};
      }
      // awaited by the load step, after wiring and policies: they run while images still load
      java.util.function.Supplier<java.util.Set<String>> preloaded =
          () -> {
            Map<String, K3sNode.Import> loaded = started.preload().await();
            loaded.forEach(
                (image, result) ->
                    listener.onEvent(
                        ProgressListener.Event.done(
                            "images",
                            result.alreadyLoaded()
                                ? image + " already loaded (kept in the node's image store)"
                                : "loaded " + image + " while k3s started",
                            result.took())));
            return loaded.keySet();
          };
      Deployment.stack(
          stack,
          engine.imageMap(stack),
          config.offline(),
          options.forceConflicts(),
          false,
          new Deployment.Cluster(
              docker, slice.nodeId(), slice.bindings(), sandbox.client(), clusterReady),
          preloaded,
          listener);
      clusterReady.run();
    } finally {
      readiness.shutdownNow();
    }
    awaitPrometheusUrl(stack, state);
    LocalSlice.fullCpuShares(docker, state.containers());
    SandboxState complete = state.completed();
    store.write(complete);
    return engine.handle(complete, false);
  }

  /** A node that booted from a snapshot and did not come up: the snapshot is to blame. */
  private static RuntimeException bootFailed(LocalSlice.Started started, RuntimeException e) {
    if (e instanceof SandboxException.Interrupted || e instanceof SnapshotBootFailed) {
      return e;
    }
    return new SnapshotBootFailed(
        started.snapshotKey().orElseThrow(), started.restoreFailure().get().isPresent(), e);
  }

  /**
   * Waits for the node and CoreDNS on {@code readiness}'s thread while the deployment writes its
   * objects; the returned barrier (the deployment's cluster step) waits for that wait to end.
   */
  private static Runnable awaitClusterMeanwhile(
      ExecutorService readiness,
      io.fabric8.kubernetes.client.KubernetesClient client,
      Duration timeout,
      Instant bootedAt,
      LocalSlice.Started started,
      ProgressListener listener) {
    Instant begin = Instant.now();
    listener.onEvent(
        ProgressListener.Event.started(
            "cluster", "waiting for the node and CoreDNS (deploying meanwhile)"));
    java.util.concurrent.Future<?> ready =
        readiness.submit(
            () -> {
              Readiness.awaitCluster(client, timeout, bootedAt);
              listener.onEvent(
                  ProgressListener.Event.done(
                      "cluster", "ready", Duration.between(begin, Instant.now())));
            });
    return () -> {
      try {
        ready.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw bootFailed(
            started,
            e.getCause() instanceof RuntimeException r
                ? r
                : new SandboxException(SandboxException.describe(e.getCause()), e.getCause()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SandboxException.Interrupted("Interrupted while waiting for the cluster", e);
      }
    };
  }

  /**
   * True when the cluster came from a snapshot: its node was registered before this container
   * started.
   */
  private static boolean restored(
      io.fabric8.kubernetes.client.KubernetesClient client, Instant bootedAt) {
    var node = client.nodes().withName(K3sNode.NODE_NAME).get();
    if (node == null || node.getMetadata().getCreationTimestamp() == null) {
      return false;
    }
    return Instant.parse(node.getMetadata().getCreationTimestamp())
        .isBefore(bootedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
  }

  /** When the node's container started, by the engine's clock (the node's too). */
  private static Instant bootedAt(DockerClient docker, String nodeId, Instant starting) {
    String started = docker.inspectContainerCmd(nodeId).exec().getState().getStartedAt();
    try {
      return Instant.parse(started);
    } catch (RuntimeException e) {
      return starting; // a little earlier: still after any snapshot this node booted from
    }
  }

  /**
   * Keeps a snapshot of the ready cluster, before anything of the sandbox's own is in it, for the
   * next node of the same image and flags; it is compressed while the deployment goes on. A
   * snapshot that cannot be taken costs nothing but the speed-up: the sandbox goes on.
   */
  private java.util.concurrent.CompletableFuture<Void> snapshot(
      DockerClient docker, String nodeId, String key, ProgressListener listener) {
    return snapshots
        .orElseThrow()
        .take(docker, nodeId, key)
        .handle(
            (taken, failure) -> {
              try {
                listener.onEvent(
                    failure == null
                        ? ProgressListener.Event.done(
                            "cluster",
                            "kept a snapshot of the ready cluster for the next start ("
                                + Math.max(1, taken.bytes() / (1 << 20))
                                + " MiB, node paused "
                                + taken.paused().toMillis()
                                + " ms)",
                            taken.took())
                        : ProgressListener.Event.info(
                            "cluster", SandboxException.describe(failure)));
              } catch (RuntimeException listenerFailed) {
                // a front end that cannot print does not fail the sandbox
              }
              return null;
            });
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
    engine.deployInto(docker, stack, state, options.forceConflicts(), false, listener);
    awaitPrometheusUrl(stack, state);
    LocalSlice.fullCpuShares(docker, state.containers());
    SandboxState updated = state.withStack(stack, parts);
    store.write(updated);
    return engine.handle(updated, false);
  }
}
