package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.k3s.Apply;

/** Server-side applies the application's objects (field manager {@code sandbox}), pre-checked. */
final class ApplyManifests extends Step {

  ApplyManifests() {
    super("manifests");
  }

  @Override
  String describe(DeployContext context) {
    return "applying " + context.manifests.size() + " object(s)";
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    Apply.apply(
        context.client,
        context.manifests,
        context.forceConflicts,
        context.stack.readiness().timeout(),
        listener);
    return context.manifests.size() + " object(s) applied";
  }
}
