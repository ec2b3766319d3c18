package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.monitoring.MonitoringPack;

/** Reads the stack's manifests (files, folders, kustomizations) and the monitoring pack's. */
final class ReadManifests implements Step {

  @Override
  public String name() {
    return "manifests";
  }

  @Override
  public String describe(DeployContext context) {
    return "reading";
  }

  @Override
  public String run(DeployContext context, ProgressListener listener) {
    context.manifests = context.loader.load(context.stack.manifests().paths());
    context.monitoring = MonitoringPack.manifests(context.stack, context.loader);
    return context.manifests.size() + " object(s) read";
  }
}
