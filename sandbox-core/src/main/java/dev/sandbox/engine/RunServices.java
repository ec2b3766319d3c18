package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.cluster.InClusterServices;
import dev.sandbox.k3s.Wiring;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * On a cluster target: runs the services as StatefulSets in the sandbox's services namespace,
 * admitting only its own namespaces, waits until they are ready, and wires them into the
 * application's namespaces under their production Service and Secret names.
 */
final class RunServices extends Step {

  RunServices() {
    super("services");
  }

  @Override
  boolean appliesTo(DeployContext context) {
    return context.cluster != null;
  }

  @Override
  String describe(DeployContext context) {
    return context.cluster.services().isEmpty()
        ? "none to run"
        : context.cluster.services().stream()
                .map(w -> w.service().displayName())
                .reduce((a, b) -> a + ", " + b)
                .orElse("")
            + " as StatefulSets in "
            + context.cluster.tenancy().servicesNamespace();
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    String namespace = context.cluster.tenancy().servicesNamespace();
    List<HasMetadata> objects = new ArrayList<>();
    for (InClusterServices.Wanted wanted : context.cluster.services()) {
      objects.addAll(
          InClusterServices.objects(
              context.cluster.tenancy(), namespace, wanted, context.clusterNamespaces));
    }
    InClusterServices.apply(context.client, objects);
    InClusterServices.awaitReady(
        context.client, namespace, context.cluster.services(), context.stack.readiness().timeout());
    if (context.wireInto.isEmpty()) {
      return context.cluster.services().size()
          + " ready (no namespace of the manifests to wire them into)";
    }
    Wiring.apply(
        context.client,
        context.wireInto,
        context.bindings,
        context.unwired,
        false,
        java.util.Map.of(dev.sandbox.cluster.Tenancy.SANDBOX, context.cluster.tenancy().id()));
    return context.cluster.services().size()
        + " ready, wired into "
        + String.join(", ", context.wireInto);
  }
}
