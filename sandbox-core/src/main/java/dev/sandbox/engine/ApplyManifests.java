package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.k3s.Apply;

/** Server-side applies the application's objects (field manager {@code sandbox}), pre-checked. */
final class ApplyManifests implements Step {

  @Override
  public String name() {
    return "manifests";
  }

  @Override
  public String describe(DeployContext context) {
    return "applying " + context.manifests.size() + " object(s)";
  }

  @Override
  public String run(DeployContext context, ProgressListener listener) {
    Apply.apply(
        context.client,
        context.manifests,
        context.forceConflicts,
        context.stack.readiness().timeout(),
        listener);
    return context.manifests.size() + " object(s) applied";
  }
}
