package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.service.ClusterBinding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Settles, before anything is wired or applied, every clash between the objects the wiring creates
 * and those the manifests declare: dev YAML often ships its own database as a Deployment, a Service
 * and a Secret with the very names production reads — which the wiring creates too. Found from the
 * wiring's {@link ClusterBinding}s alone (Service name, Secret name), for any backing service.
 *
 * <p>By default ({@code manifests.stand-ins: sandbox}) the sandbox's service stands in: the
 * manifest's Service, Secret (and Endpoints) of that name and the workloads behind that Service are
 * skipped and listed. With {@code manifest} they are applied and that service is not wired into
 * their namespace. Internal.
 */
final class StandIns extends Step {

  /** Kinds whose pods a Service's selector picks through {@code spec.template}. */
  private static final Set<String> WORKLOADS =
      Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController");

  StandIns() {
    super("stand-ins");
  }

  @Override
  boolean appliesTo(DeployContext context) {
    return !context.bindings.isEmpty() && !context.manifests.isEmpty();
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    List<Clash> clashes = clashes(context.manifests, context.bindings, context.wireInto);
    boolean manifestWins = context.stack.manifests().manifestStandsIn();
    Set<Manifest> skipped = new LinkedHashSet<>();
    for (Clash clash : clashes) {
      String objects = names(clash.objects());
      if (manifestWins) {
        context
            .unwired
            .computeIfAbsent(clash.namespace(), ns -> new LinkedHashSet<>())
            .add(clash.binding().serviceName());
        listener.onEvent(
            ProgressListener.Event.info(
                name(),
                objects
                    + " from "
                    + sources(clash.objects())
                    + " stand in for the sandbox's "
                    + clash.binding().displayName()
                    + " ("
                    + clash.binding().serviceName()
                    + ") in namespace "
                    + clash.namespace()
                    + " (manifests.stand-ins: manifest): it is not wired there"));
      } else {
        skipped.addAll(clash.objects());
        listener.onEvent(
            ProgressListener.Event.info(
                name(),
                "the sandbox's "
                    + clash.binding().displayName()
                    + " stands in for "
                    + objects
                    + " from "
                    + sources(clash.objects())
                    + "; skipped (manifests.stand-ins: manifest applies them instead)"));
      }
    }
    if (skipped.isEmpty()) {
      return clashes.isEmpty()
          ? "no manifest object clashes with the wiring"
          : clashes.size() + " service(s) left to the manifests";
    }
    context.manifests = context.manifests.stream().filter(m -> !skipped.contains(m)).toList();
    return skipped.size() + " manifest object(s) skipped: the sandbox's services stand in";
  }

  /**
   * One backing service's wiring meeting manifest objects in one namespace.
   *
   * @param objects the manifest objects that clash: its Service, Secret, Endpoints, and the
   *     workloads the Service selects
   */
  record Clash(ClusterBinding binding, String namespace, List<Manifest> objects) {}

  /**
   * Every clash. {@code into} is the namespace the wiring is confined to (a test class's), empty
   * when it follows the manifests.
   */
  static List<Clash> clashes(
      List<Manifest> manifests, List<ClusterBinding> bindings, List<String> into) {
    List<Clash> result = new ArrayList<>();
    for (ClusterBinding binding : bindings) {
      Map<String, List<Manifest>> byNamespace = new LinkedHashMap<>();
      for (Manifest manifest : manifests) {
        if (named(manifest, binding)) {
          byNamespace.computeIfAbsent(namespaceOf(manifest), ns -> new ArrayList<>()).add(manifest);
        }
      }
      byNamespace.forEach(
          (namespace, objects) -> {
            if (!into.isEmpty() && !into.contains(namespace)) {
              return;
            }
            for (Manifest service : List.copyOf(objects)) {
              if (service.kind().equals("Service")) {
                Map<String, String> selector = selector(service);
                for (Manifest manifest : manifests) {
                  if (!objects.contains(manifest)
                      && namespaceOf(manifest).equals(namespace)
                      && selects(selector, manifest)) {
                    objects.add(manifest);
                  }
                }
              }
            }
            result.add(new Clash(binding, namespace, objects));
          });
    }
    return result;
  }

  private static boolean named(Manifest manifest, ClusterBinding binding) {
    return switch (manifest.kind()) {
      case "Service", "Endpoints" -> manifest.name().equals(binding.serviceName());
      case "Secret" -> manifest.name().equals(binding.secretName());
      default -> false;
    };
  }

  private static String namespaceOf(Manifest manifest) {
    return manifest.namespace() == null ? "default" : manifest.namespace();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> selector(Manifest service) {
    if (service.resource().getAdditionalProperties().get("spec") instanceof Map<?, ?> spec
        && spec.get("selector") instanceof Map<?, ?> selector) {
      return (Map<String, String>) selector;
    }
    return Map.of();
  }

  /** Whether a (non-empty) Service selector picks the pods of a workload or a Pod. */
  private static boolean selects(Map<String, String> selector, Manifest manifest) {
    if (selector.isEmpty()) {
      return false;
    }
    Object labels = null;
    Map<String, Object> properties = manifest.resource().getAdditionalProperties();
    if (manifest.kind().equals("Pod")) {
      labels = manifest.resource().getMetadata().getLabels();
    } else if (WORKLOADS.contains(manifest.kind())
        && properties.get("spec") instanceof Map<?, ?> spec
        && spec.get("template") instanceof Map<?, ?> template
        && template.get("metadata") instanceof Map<?, ?> metadata) {
      labels = metadata.get("labels");
    }
    return labels instanceof Map<?, ?> map && map.entrySet().containsAll(selector.entrySet());
  }

  /**
   * Workloads first, then Services and Endpoints, then Secrets: {@code deployment/x, service/x}.
   */
  private static String names(List<Manifest> objects) {
    List<String> names = new ArrayList<>();
    List<Manifest> sorted = new ArrayList<>(objects);
    sorted.sort(
        java.util.Comparator.comparingInt(
            m ->
                switch (m.kind()) {
                  case "Service", "Endpoints" -> 1;
                  case "Secret" -> 2;
                  default -> 0;
                }));
    for (Manifest manifest : sorted) {
      names.add(manifest.kind().toLowerCase() + "/" + manifest.name());
    }
    return String.join(", ", names);
  }

  private static String sources(List<Manifest> objects) {
    Set<String> sources = new LinkedHashSet<>();
    objects.forEach(m -> sources.add(m.source()));
    return String.join(", ", sources);
  }
}
