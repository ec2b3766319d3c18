package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.k3s.Wiring;
import dev.sandbox.manifest.Manifest;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Stands the sandbox's services in for what production YAML expects: in every namespace the objects
 * use (default included), a Service and EndpointSlice with the production name and a Secret with
 * the production keys.
 */
final class WireServices extends Step {

  WireServices() {
    super("wiring");
  }

  @Override
  String describe(DeployContext context) {
    return "services into " + String.join(", ", namespaces(context));
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    Collection<String> namespaces = namespaces(context);
    Wiring.apply(context.client, namespaces, context.bindings);
    return context.bindings.size() + " service(s) into " + namespaces.size() + " namespace(s)";
  }

  private static Collection<String> namespaces(DeployContext context) {
    if (!context.wireInto.isEmpty()) {
      return context.wireInto;
    }
    Set<String> result = new LinkedHashSet<>();
    result.add("default");
    result.addAll(Namespaces.of(context.manifests));
    return result;
  }

  /** Namespaces objects declare or live in. */
  static final class Namespaces {
    private Namespaces() {}

    static Set<String> of(Collection<Manifest> manifests) {
      Set<String> result = new LinkedHashSet<>();
      for (Manifest manifest : manifests) {
        if (manifest.kind().equals("Namespace")) {
          result.add(manifest.name());
        } else if (manifest.namespace() != null) {
          result.add(manifest.namespace());
        }
      }
      return result;
    }
  }
}
