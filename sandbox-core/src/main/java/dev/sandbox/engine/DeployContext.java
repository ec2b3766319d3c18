package dev.sandbox.engine;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox.ImageMap;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.manifest.ManifestLoader;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.stack.Stack;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the steps of one deployment share: the running cluster and its services (given), and the
 * objects the reading steps found (filled in as the deployment goes). Internal.
 */
final class DeployContext {

  final DockerClient docker;
  final Stack stack;
  final ImageMap images;
  final boolean offline;
  final boolean forceConflicts;
  final String nodeId;
  final List<ClusterBinding> bindings;
  final KubernetesClient client;

  /**
   * Images loaded while k3s started (not imported again), awaited when a step first needs them: the
   * steps that need no image (wiring, policies) run while the last ones still import.
   */
  private final java.util.function.Supplier<Set<String>> preloading;

  private Set<String> preloaded;

  /** The images loaded while k3s started, waiting for the preload to end on the first call. */
  synchronized Set<String> preloaded() {
    if (preloaded == null) {
      preloaded = Set.copyOf(preloading.get());
    }
    return preloaded;
  }

  final ManifestLoader loader;

  /** The application's objects, as read (and for a class namespace, moved into it). */
  List<Manifest> manifests = new ArrayList<>();

  /** The Helm releases read, each with its objects (also in {@link #manifests}). */
  final List<Release> releases = new ArrayList<>();

  /** A rendered Helm release: what {@code apply} applies and what it may remove. */
  record Release(dev.sandbox.stack.Stack.HelmRelease release, List<Manifest> objects) {}

  /** The monitoring pack's objects, when the stack turns it on. */
  List<Manifest> monitoring = new ArrayList<>();

  /** Images the load step imported. */
  final Set<String> loaded = new java.util.LinkedHashSet<>();

  /**
   * Per namespace, the services (by Service name) not to wire there: the manifests' own objects
   * stand in for them ({@code manifests.stand-ins: manifest}).
   */
  final java.util.Map<String, Set<String>> unwired = new java.util.LinkedHashMap<>();

  /** Namespaces to wire the services into; empty means those the manifests use. */
  List<String> wireInto = List.of();

  /**
   * Waits until the local cluster is usable, when the deployment began while it was still starting
   * (a node booted from a cluster snapshot); returns at once otherwise.
   */
  Runnable clusterReady = () -> {};

  /** On a cluster target: who the sandbox is there and what it owns; null on the local node. */
  ClusterTarget cluster;

  /** On a cluster target: every namespace the sandbox uses there, and those it created. */
  List<String> clusterNamespaces = List.of();

  List<String> createdNamespaces = List.of();

  /** On a cluster target: manifest namespace to the cluster namespace standing for it. */
  java.util.Map<String, String> namespaceMapping = java.util.Map.of();

  /** What a cluster target leaves out (cluster-scoped objects, packs), each with why. */
  final List<String> leftOut = new ArrayList<>();

  /**
   * A deployment into namespaces of a shared cluster.
   *
   * @param tenancy the sandbox's identity and namespace mapping there
   * @param services the services to run there as StatefulSets
   * @param lease how long its lease holds without renewal
   * @param labels labels of this start for the namespaces it creates (run id, expiry)
   */
  record ClusterTarget(
      dev.sandbox.cluster.Tenancy tenancy,
      List<dev.sandbox.cluster.InClusterServices.Wanted> services,
      java.time.Duration lease,
      java.util.Map<String, String> labels) {}

  DeployContext(
      DockerClient docker,
      Stack stack,
      ImageMap images,
      boolean offline,
      boolean forceConflicts,
      String nodeId,
      List<ClusterBinding> bindings,
      KubernetesClient client,
      java.util.function.Supplier<Set<String>> preloading) {
    this.docker = docker;
    this.stack = stack;
    this.images = images;
    this.offline = offline;
    this.forceConflicts = forceConflicts;
    this.nodeId = nodeId;
    this.bindings = List.copyOf(bindings);
    this.client = client;
    this.preloading = preloading;
    this.loader =
        new ManifestLoader(
            stack.manifests().excludeKinds(),
            images,
            dir ->
                nodeId == null
                    ? dev.sandbox.k3s.Kustomize.renderOffNode(
                        docker, images.apply(stack.k3s().image()), dir, stack.source())
                    : dev.sandbox.k3s.Kustomize.render(docker, nodeId, dir, stack.source()));
  }
}
