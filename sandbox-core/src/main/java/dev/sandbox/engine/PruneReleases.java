package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.k3s.ReleaseInventory;
import dev.sandbox.manifest.Manifest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * After the apply: removes the objects of the stack's Helm releases that their new render no longer
 * contains, and releases taken out of the stack file; records what each release has now.
 */
final class PruneReleases extends Step {

  PruneReleases() {
    super("manifests");
  }

  @Override
  String describe(DeployContext context) {
    return context.releases.isEmpty() ? null : "removing what the Helm releases no longer render";
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    Map<ReleaseInventory.ReleaseKey, List<Manifest>> current = new LinkedHashMap<>();
    for (DeployContext.Release release : context.releases) {
      current.put(
          new ReleaseInventory.ReleaseKey(
              release.release().namespace(), release.release().release()),
          release.objects());
    }
    int removed =
        new ReleaseInventory(context.client, listener)
            .prune(current, context.stack.readiness().timeout());
    return removed + " object(s) removed";
  }
}
