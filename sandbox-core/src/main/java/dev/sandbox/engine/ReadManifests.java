package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.monitoring.MonitoringPack;

/** Reads the stack's manifests (files, folders, kustomizations) and the monitoring pack's. */
final class ReadManifests extends Step {

  ReadManifests() {
    super("manifests");
  }

  @Override
  String describe(DeployContext context) {
    return "reading";
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    context.manifests = context.loader.load(context.stack.manifests().paths());
    context.monitoring = MonitoringPack.manifests(context.stack, context.loader);
    return context.manifests.size() + " object(s) read";
  }
}
