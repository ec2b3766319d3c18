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
  String fingerprint(DeployContext context) {
    java.util.Map<String, java.util.TreeSet<String>> unwired = new java.util.TreeMap<>();
    context.unwired.forEach((ns, names) -> unwired.put(ns, new java.util.TreeSet<>(names)));
    return DeployMarks.fingerprint(
        "wiring", DeployMarks.uids(context.client, namespaces(context)), context.bindings, unwired);
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    Collection<String> namespaces = namespaces(context);
    Wiring.apply(context.client, namespaces, context.bindings, context.unwired);
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

  /** Namespaces objects declare or land in. */
  static final class Namespaces {
    private Namespaces() {}

    /**
     * Every namespace the objects use: those Namespace objects declare, those named by {@code
     * metadata.namespace}, and {@code default} for a namespaced object that names none (where
     * {@code kubectl apply} puts it, and so does the sandbox). Cluster-scoped kinds land in no
     * namespace.
     */
    static Set<String> of(Collection<Manifest> manifests) {
      Set<String> result = new LinkedHashSet<>();
      for (Manifest manifest : manifests) {
        if (manifest.kind().equals("Namespace")) {
          result.add(manifest.name());
        } else if (manifest.namespace() != null) {
          result.add(manifest.namespace());
        } else if (!CLUSTER_SCOPED.contains(manifest.kind())) {
          result.add("default");
        }
      }
      return result;
    }

    /**
     * Cluster-scoped kinds manifests commonly carry. Any other kind without a namespace counts as
     * landing in {@code default}: for an unknown cluster-scoped custom kind that guards {@code
     * default} needlessly, which is harmless (the services are wired there anyway); the other way
     * round would leave objects unguarded.
     */
    static final Set<String> CLUSTER_SCOPED =
        Set.of(
            "Namespace",
            "CustomResourceDefinition",
            "ClusterRole",
            "ClusterRoleBinding",
            "PersistentVolume",
            "StorageClass",
            "PriorityClass",
            "IngressClass",
            "RuntimeClass",
            "CSIDriver",
            "APIService",
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
            "ClusterIssuer");
  }
}
