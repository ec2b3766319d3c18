package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.manifest.HelmCharts;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.monitoring.MonitoringPack;
import dev.sandbox.stack.Stack;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the stack's manifests (files, folders, kustomizations), renders its Helm releases, and
 * reads the monitoring pack's objects.
 */
final class ReadManifests extends Step {

  ReadManifests() {
    super("manifests");
  }

  @Override
  String describe(DeployContext context) {
    return context.stack.manifests().helm().isEmpty()
        ? "reading"
        : "reading and rendering " + context.stack.manifests().helm().size() + " Helm release(s)";
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    context.manifests = new ArrayList<>(context.loader.load(context.stack.manifests().paths()));
    Scopes scopes = new Scopes(context);
    for (Stack.TargetedPath source : context.stack.manifests().targeted()) {
      for (Manifest manifest : context.loader.load(List.of(source.path()))) {
        if (scopes.namespaced(manifest) && (source.override() || manifest.namespace() == null)) {
          // Flux's targetNamespace moves every namespaced object; Argo CD's destination fills in
          manifest.moveTo(source.namespace());
        }
        context.manifests.add(manifest);
      }
      if (!source.namespace().equals("default")) {
        context.manifests.add(0, namespace(source.namespace(), source.declaredAt()));
      }
    }
    for (Stack.HelmRelease release : context.stack.manifests().helm()) {
      HelmCharts.Rendered rendered =
          context.loader.loadRelease(release, HelmCharts.kubeVersion(context.stack));
      List<Manifest> objects = new ArrayList<>();
      boolean declaresNamespace = false;
      for (Manifest manifest : rendered.objects()) {
        declaresNamespace |=
            manifest.kind().equals("Namespace") && manifest.name().equals(release.namespace());
        if (manifest.namespace() == null && scopes.namespaced(manifest)) {
          // where `helm install --namespace` puts an object whose template names no namespace
          manifest.moveTo(release.namespace());
        }
        objects.add(manifest);
      }
      if (!declaresNamespace && !release.namespace().equals("default")) {
        // as `helm install --create-namespace`: the release's namespace exists before its objects
        objects.add(0, namespace(release.namespace(), release.displayName()));
      }
      for (String skipped : rendered.skipped()) {
        listener.onEvent(ProgressListener.Event.info("manifests", "skipped hook " + skipped));
      }
      context.manifests.addAll(objects);
      context.releases.add(new DeployContext.Release(release, objects));
    }
    context.monitoring = MonitoringPack.manifests(context.stack, context.loader);
    return context.manifests.size() + " object(s) read";
  }

  /** The Namespace a release or GitOps source goes into, created as it would be there. */
  private static Manifest namespace(String name, String origin) {
    GenericKubernetesResource namespace =
        new KubernetesSerialization()
            .convertValue(
                new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build(),
                GenericKubernetesResource.class);
    return new Manifest(origin + ", its namespace", 0, namespace);
  }

  /** Whether a kind is namespaced: the common cluster-scoped kinds, else API discovery. */
  static final class Scopes {
    private final DeployContext context;
    private final Map<String, Boolean> discovered = new HashMap<>();

    Scopes(DeployContext context) {
      this.context = context;
    }

    boolean namespaced(Manifest manifest) {
      if (WireServices.Namespaces.CLUSTER_SCOPED.contains(manifest.kind())) {
        return false;
      }
      String apiVersion = manifest.resource().getApiVersion();
      return discovered.computeIfAbsent(
          apiVersion + "/" + manifest.kind(),
          key -> {
            try {
              var resources = context.client.getApiResources(apiVersion);
              return resources == null
                  || resources.getResources().stream()
                      .filter(r -> manifest.kind().equals(r.getKind()))
                      .findFirst()
                      .map(r -> !Boolean.FALSE.equals(r.getNamespaced()))
                      .orElse(true);
            } catch (KubernetesClientException e) {
              return true; // a kind of a CRD in the same render: the pre-check judges it
            }
          });
    }
  }
}
