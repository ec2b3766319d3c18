package dev.sandbox.inspect;

import dev.sandbox.Sandbox;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Services whose selector matches no pod — a typo in a label is the classic reason a Service "has
 * no endpoints" and every call to it is refused. Names the selector and the values the pods in the
 * namespace have for its keys: {@code service/default/web selects no pods: selector app=foo; pods
 * in the namespace have app=food}. Internal.
 */
public final class Selectors {

  private Selectors() {}

  /** The finding for one Service, when its selector matches no pod. */
  public static Optional<String> unmatched(KubernetesClient client, Service service) {
    Map<String, String> selector =
        service.getSpec() == null ? null : service.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) {
      return Optional.empty(); // selector-less: its endpoints are managed by hand (the wiring's)
    }
    String namespace = service.getMetadata().getNamespace();
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems();
    boolean matched =
        pods.stream()
            .anyMatch(
                pod ->
                    pod.getMetadata().getLabels() != null
                        && pod.getMetadata()
                            .getLabels()
                            .entrySet()
                            .containsAll(selector.entrySet()));
    if (matched) {
      return Optional.empty();
    }
    TreeMap<String, String> sorted = new TreeMap<>(selector);
    TreeSet<String> seen = new TreeSet<>();
    for (Pod pod : pods) {
      Map<String, String> labels = pod.getMetadata().getLabels();
      if (labels == null) {
        continue;
      }
      for (String key : sorted.keySet()) {
        if (labels.containsKey(key)) {
          seen.add(key + "=" + labels.get(key));
        }
      }
    }
    String have =
        pods.isEmpty()
            ? "there are no pods in the namespace"
            : seen.isEmpty()
                ? "no pod in the namespace has the label"
                    + (sorted.size() > 1 ? "s " : " ")
                    + String.join(", ", sorted.keySet())
                : "pods in the namespace have " + String.join(", ", seen);
    return Optional.of(
        "service/"
            + namespace
            + "/"
            + service.getMetadata().getName()
            + " selects no pods: selector "
            + labels(sorted)
            + "; "
            + have);
  }

  /** The findings for every Service outside the cluster's own namespaces. */
  public static List<String> unmatched(KubernetesClient client) {
    List<String> result = new ArrayList<>();
    for (Service service : client.services().inAnyNamespace().list().getItems()) {
      if (!Sandbox.SYSTEM_NAMESPACES.contains(service.getMetadata().getNamespace())) {
        unmatched(client, service).ifPresent(result::add);
      }
    }
    return result;
  }

  /** The findings for the given Services (namespace, name), skipping those that do not exist. */
  public static List<String> unmatched(KubernetesClient client, List<String[]> services) {
    List<String> result = new ArrayList<>();
    for (String[] ref : services) {
      Service service = client.services().inNamespace(ref[0]).withName(ref[1]).get();
      if (service != null) {
        unmatched(client, service).ifPresent(result::add);
      }
    }
    return result;
  }

  private static String labels(Map<String, String> selector) {
    List<String> pairs = new ArrayList<>();
    selector.forEach((key, value) -> pairs.add(key + "=" + value));
    return String.join(",", pairs);
  }
}
