package dev.sandbox.engine;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox.ImageMap;
import dev.sandbox.ProgressListener;
import dev.sandbox.SandboxException;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.stack.Stack;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The deployment into a running cluster as an ordered list of {@link Step}s, run by one loop that
 * reports progress and, on failure, says which step failed — the shape of kind's create actions.
 * Internal.
 *
 * <pre>
 * stack:     read → stand-ins → wire → policies → load images → monitoring → cluster ready → add-on APIs → hooks → apply → prune → offline images → await → selectors
 * namespace:        stand-ins → load images → wire →                          apply → offline images → await → selectors
 * </pre>
 */
public final class Deployment {

  /** The whole stack, as {@code up}, {@code apply} and an in-place change deploy it. */
  static final List<Step> STACK =
      List.of(
          new ReadManifests(),
          new StandIns(),
          new WireServices(),
          new InstallPolicies(),
          // after the steps that need no image, so they overlap the images still loading
          new LoadImages(),
          new InstallMonitoring(),
          // the steps above only write objects; those below read what the cluster runs
          new AwaitCluster(),
          new AwaitAddOnApis(),
          new ReleaseHooks(),
          new ApplyManifests(),
          new PruneReleases(),
          new OfflineImages(),
          new AwaitWorkloads(),
          new CheckSelectors());

  /**
   * The whole stack into namespaces of a shared cluster: the services run there as StatefulSets,
   * nothing is loaded into a node, and what is cluster-wide (admission policies, cluster-scoped
   * objects, the monitoring pack) is left out and reported.
   */
  static final List<Step> CLUSTER =
      List.of(
          new ReadManifests(),
          new MapNamespaces(),
          new StandIns(),
          new RunServices(),
          new InstallPolicies(),
          new ApplyManifests(),
          new AwaitWorkloads(),
          new CheckSelectors());

  /** Given manifests into one namespace (a test class's own): no reading, no packs. */
  static final List<Step> NAMESPACE =
      List.of(
          new StandIns(),
          new LoadImages(),
          new WireServices(),
          new ApplyManifests(),
          new OfflineImages(),
          new AwaitWorkloads(),
          new CheckSelectors());

  private Deployment() {}

  /**
   * The running cluster a deployment goes into.
   *
   * @param docker the engine the node runs on
   * @param nodeId the k3s container (images load into it, kustomize renders in it)
   * @param bindings how the cluster reaches the backing services
   * @param client a client of the cluster
   * @param ready waits until the cluster is usable (node Ready, CoreDNS serving) when it is still
   *     starting: the steps that only write objects run before, as soon as the API server answers
   */
  public record Cluster(
      DockerClient docker,
      String nodeId,
      List<ClusterBinding> bindings,
      KubernetesClient client,
      Runnable ready) {

    /** A cluster that is usable already. */
    public Cluster(
        DockerClient docker,
        String nodeId,
        List<ClusterBinding> bindings,
        KubernetesClient client) {
      this(docker, nodeId, bindings, client, () -> {});
    }
  }

  /**
   * Deploys the whole stack; {@code preloaded} images are not imported again. Platform steps whose
   * inputs are unchanged since they last ran in this cluster are skipped, unless {@code
   * everything}.
   */
  public static void stack(
      Stack stack,
      ImageMap images,
      boolean offline,
      boolean forceConflicts,
      boolean everything,
      Cluster cluster,
      Set<String> preloaded,
      ProgressListener listener) {
    stack(stack, images, offline, forceConflicts, everything, cluster, () -> preloaded, listener);
  }

  /**
   * As above, the images loaded while k3s started given as a wait for them: it is called when the
   * load step runs, after wiring and policies, which need no image.
   */
  public static void stack(
      Stack stack,
      ImageMap images,
      boolean offline,
      boolean forceConflicts,
      boolean everything,
      Cluster cluster,
      java.util.function.Supplier<Set<String>> preloaded,
      ProgressListener listener) {
    run(
        STACK,
        context(stack, images, offline, forceConflicts, cluster, preloaded),
        everything ? DeployMarks.none(cluster.client()) : DeployMarks.read(cluster.client()),
        listener);
  }

  /**
   * Deploys the objects of {@code paths} into one namespace (created, with the services wired into
   * it), overriding the namespace of every namespaced object; Namespace objects are left out. For
   * test classes that own a namespace.
   */
  public static void intoNamespace(
      Stack stack,
      ImageMap images,
      boolean offline,
      Cluster cluster,
      String namespace,
      List<Path> paths,
      ProgressListener listener) {
    DeployContext context = context(stack, images, offline, false, cluster, Set::of);
    List<Manifest> manifests = new ArrayList<>();
    for (Manifest manifest : context.loader.load(paths)) {
      if (!manifest.kind().equals("Namespace")) {
        manifest.moveTo(namespace);
        manifests.add(manifest);
      }
    }
    context.manifests = manifests;
    context.wireInto = List.of(namespace);
    run(NAMESPACE, context, listener);
  }

  /**
   * Deploys the whole stack into a shared cluster as sandbox {@code tenancy}; returns what was left
   * out (each with why) and the cluster namespaces it uses.
   */
  public static OnCluster onCluster(
      Stack stack,
      ImageMap images,
      KubernetesClient client,
      dev.sandbox.cluster.Tenancy tenancy,
      List<dev.sandbox.cluster.InClusterServices.Wanted> services,
      List<ClusterBinding> bindings,
      java.time.Duration lease,
      java.util.Map<String, String> labels,
      boolean forceConflicts,
      ProgressListener listener) {
    DeployContext context =
        new DeployContext(
            null, stack, images, false, forceConflicts, null, bindings, client, Set::of);
    context.cluster = new DeployContext.ClusterTarget(tenancy, services, lease, labels);
    if (stack.monitoring().enabled()) {
      String why =
          "the monitoring pack: on a cluster target the cluster's own monitoring scrapes the"
              + " sandbox's pods";
      context.leftOut.add(why);
      listener.onEvent(ProgressListener.Event.info("monitoring", "left out " + why));
    }
    run(CLUSTER, context, listener);
    return new OnCluster(
        context.clusterNamespaces, context.namespaceMapping, List.copyOf(context.leftOut));
  }

  /**
   * What {@link #onCluster} deployed into (and which manifest namespace each stands for), and what
   * it left out.
   */
  public record OnCluster(
      List<String> namespaces, java.util.Map<String, String> mapping, List<String> leftOut) {}

  private static DeployContext context(
      Stack stack,
      ImageMap images,
      boolean offline,
      boolean forceConflicts,
      Cluster cluster,
      java.util.function.Supplier<Set<String>> preloaded) {
    DeployContext context =
        new DeployContext(
            cluster.docker(),
            stack,
            images,
            offline,
            forceConflicts,
            cluster.nodeId(),
            cluster.bindings(),
            cluster.client(),
            preloaded);
    context.clusterReady = cluster.ready();
    return context;
  }

  static void run(List<Step> steps, DeployContext context, ProgressListener listener) {
    run(steps, context, null, listener);
  }

  /**
   * Runs the steps; with {@code marks}, a step whose {@link Step#fingerprint} equals the one it
   * last deployed into this cluster is skipped ("unchanged"). A step's mark is taken away before it
   * runs, and the marks of the steps that ran are recorded only when the whole deployment
   * succeeded, fingerprinted after it (so namespaces it created count), in one write.
   */
  static void run(
      List<Step> steps, DeployContext context, DeployMarks marks, ProgressListener listener) {
    List<Step> ran = new ArrayList<>();
    for (Step step : steps) {
      if (!step.appliesTo(context)) {
        if (marks != null) {
          marks.forget(step.name()); // turned off: its objects may be gone when it is back
        }
        continue;
      }
      String fingerprint = marks == null ? null : step.fingerprint(context);
      if (fingerprint != null && marks.unchanged(step.name(), fingerprint)) {
        listener.onEvent(
            ProgressListener.Event.done(
                step.name(), "unchanged since the last deploy", Duration.ZERO));
        continue;
      }
      run(step, context, listener, fingerprint == null ? null : marks);
      if (fingerprint != null) {
        ran.add(step);
      }
    }
    if (marks != null && !ran.isEmpty()) {
      try {
        for (Step step : ran) {
          marks.remember(step.name(), step.fingerprint(context));
        }
        marks.flush();
      } catch (RuntimeException e) {
        // the deployment succeeded; without marks the next apply runs these steps again
        listener.onEvent(
            ProgressListener.Event.info(
                "deploy", "could not record what was deployed: " + SandboxException.describe(e)));
      }
    }
  }

  private static void run(
      Step step, DeployContext context, ProgressListener listener, DeployMarks forget) {
    String what = step.describe(context);
    Instant begin = Instant.now();
    if (what != null) {
      listener.onEvent(ProgressListener.Event.started(step.name(), what));
    }
    try {
      if (forget != null) {
        forget.forget(step.name());
      }
      String result = step.run(context, listener);
      if (what != null) {
        listener.onEvent(
            ProgressListener.Event.done(
                step.name(), result, Duration.between(begin, Instant.now())));
      }
    } catch (SandboxException e) {
      listener.onEvent(
          ProgressListener.Event.failed(
              step.name(), SandboxException.describe(e), Duration.between(begin, Instant.now())));
      throw e;
    } catch (RuntimeException e) {
      listener.onEvent(
          ProgressListener.Event.failed(
              step.name(), SandboxException.describe(e), Duration.between(begin, Instant.now())));
      throw new SandboxException(
          "The " + step.name() + " step failed: " + SandboxException.describe(e), e);
    }
  }
}
