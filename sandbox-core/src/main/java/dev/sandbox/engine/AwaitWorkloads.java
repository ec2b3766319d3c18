package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.k3s.Readiness;
import dev.sandbox.manifest.Manifest;
import java.util.ArrayList;
import java.util.List;

/** Waits for every workload to roll out (or Job to complete); on timeout, a diagnosis. */
final class AwaitWorkloads extends Step {

  AwaitWorkloads() {
    super("workloads");
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    List<Manifest> workloads = new ArrayList<>(context.monitoring);
    workloads.addAll(context.manifests);
    Readiness.awaitWorkloads(
        context.client, workloads, context.stack.readiness().timeout(), listener);
    return "ready";
  }
}
