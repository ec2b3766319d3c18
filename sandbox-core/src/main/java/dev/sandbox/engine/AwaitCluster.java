package dev.sandbox.engine;

import dev.sandbox.ProgressListener;

/**
 * Waits until the local cluster is usable (node Ready, CoreDNS serving) when the deployment began
 * while it was still starting: a node booted from a cluster snapshot answers on its API within
 * seconds, and the steps before this one (wiring, policies, images, monitoring) only write objects,
 * so they run while the node and CoreDNS come up. The steps after it read what the cluster runs —
 * add-on controllers whose status the snapshot still shows from the cluster it was taken from, and
 * the workloads — so they wait. Silent: the wait reports its own progress.
 */
final class AwaitCluster extends Step {

  AwaitCluster() {
    super("cluster");
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    context.clusterReady.run();
    return "ready";
  }
}
