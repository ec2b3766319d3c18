package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.k3s.ReleaseInventory;

/**
 * Before the apply: deletes the earlier instance of each Helm hook whose delete policy says so
 * (Helm's default, {@code before-hook-creation}), so that hook Jobs run again with their new spec.
 */
final class ReleaseHooks extends Step {

  ReleaseHooks() {
    super("manifests");
  }

  @Override
  boolean appliesTo(DeployContext context) {
    return !context.releases.isEmpty();
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    ReleaseInventory inventory = new ReleaseInventory(context.client, listener);
    int deleted = 0;
    for (DeployContext.Release release : context.releases) {
      deleted +=
          inventory.replaceHooks(
              release.release().release(), release.objects(), context.stack.readiness().timeout());
    }
    return deleted + " earlier hook object(s) deleted";
  }
}
