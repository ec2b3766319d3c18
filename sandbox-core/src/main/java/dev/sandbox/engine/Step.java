package dev.sandbox.engine;

import dev.sandbox.ProgressListener;

/**
 * One step of a {@link Deployment}: a small class with one job. The deployment's loop reports its
 * progress and, when it fails, names it. Internal.
 */
interface Step {

  /** The component name progress shows for this step (manifests, images, wiring, ...). */
  String name();

  /** False when the stack asks nothing of this step (no policy pack, no monitoring). */
  default boolean appliesTo(DeployContext context) {
    return true;
  }

  /**
   * What the step does, shown while it runs; null for a step that reports each of its items itself
   * (images, workloads).
   */
  String describe(DeployContext context);

  /** Does the work and returns its one-line result. */
  String run(DeployContext context, ProgressListener listener);
}
