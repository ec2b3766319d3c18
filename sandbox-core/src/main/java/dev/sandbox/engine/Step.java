package dev.sandbox.engine;

import dev.sandbox.ProgressListener;

/**
 * One step of a {@link Deployment}: a small class with one job. The deployment's loop reports its
 * progress and, when it fails, names it. Internal.
 */
abstract class Step {

  private final String name;

  /**
   * @param name the component name progress shows for this step (manifests, images, ...)
   */
  Step(String name) {
    this.name = name;
  }

  final String name() {
    return name;
  }

  /** False when the stack asks nothing of this step (no policy pack, no monitoring). */
  boolean appliesTo(DeployContext context) {
    return true;
  }

  /**
   * What the step does, shown while it runs; null (the default) for a step that reports each of its
   * items itself (images, workloads).
   */
  String describe(DeployContext context) {
    return null;
  }

  /**
   * A fingerprint of everything this step would apply, when the step may be skipped because the
   * cluster already holds exactly that ({@link DeployMarks}); null (the default): it always runs.
   * Steps that wait for something in the cluster, or whose objects users change, return null.
   */
  String fingerprint(DeployContext context) {
    return null;
  }

  /** Does the work and returns its one-line result. */
  abstract String run(DeployContext context, ProgressListener listener);
}
