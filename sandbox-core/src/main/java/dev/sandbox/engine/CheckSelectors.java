package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.inspect.Selectors;
import dev.sandbox.manifest.Manifest;
import java.util.ArrayList;
import java.util.List;

/**
 * Once the workloads are ready, names each of the manifests' Services whose selector matches no pod
 * (a label typo): the workloads look fine, yet every call to the Service is refused. A finding, not
 * a failure — a Service may front pods that come later.
 */
final class CheckSelectors extends Step {

  CheckSelectors() {
    super("services");
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    List<String[]> services = new ArrayList<>();
    for (Manifest manifest : context.manifests) {
      if (manifest.kind().equals("Service")) {
        services.add(
            new String[] {
              manifest.namespace() == null ? "default" : manifest.namespace(), manifest.name()
            });
      }
    }
    List<String> findings = Selectors.unmatched(context.client, services);
    for (String finding : findings) {
      listener.onEvent(ProgressListener.Event.info(name(), finding));
    }
    return findings.size() + " Service(s) select no pods";
  }
}
