package dev.sandbox.inspect;

import dev.sandbox.Sandbox;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Objects the sandbox applied that someone changed by hand since ({@code kubectl edit}, {@code
 * kubectl scale}, a dashboard): the API server's field ownership says so without any record of our
 * own. Server-side apply makes the sandbox ({@code sandbox} field manager, operation Apply) own the
 * fields it set; an update by anyone else that changes one of them moves its ownership to that
 * manager. So a manager with an Update of the object's spec or data (not its status, not the
 * controllers' bookkeeping annotations) means the live object no longer is what was applied.
 * Internal.
 */
public final class Drift {

  /** Field managers of the sandbox itself. */
  private static final Set<String> OURS = Set.of("sandbox", "sandbox-policies");

  /** Top-level fields whose change by hand is drift; metadata and status are bookkeeping. */
  private static final Set<String> CONTENT = Set.of("f:spec", "f:data", "f:stringData");

  private Drift() {}

  /** One line per drifted object, outside the cluster's own namespaces. */
  public static List<String> find(KubernetesClient client) {
    List<HasMetadata> objects = new ArrayList<>();
    objects.addAll(client.apps().deployments().inAnyNamespace().list().getItems());
    objects.addAll(client.apps().statefulSets().inAnyNamespace().list().getItems());
    objects.addAll(client.apps().daemonSets().inAnyNamespace().list().getItems());
    objects.addAll(client.services().inAnyNamespace().list().getItems());
    objects.addAll(client.configMaps().inAnyNamespace().list().getItems());
    List<String> result = new ArrayList<>();
    for (HasMetadata object : objects) {
      if (Sandbox.SYSTEM_NAMESPACES.contains(object.getMetadata().getNamespace())) {
        continue;
      }
      drift(object).ifPresent(result::add);
    }
    return result;
  }

  static java.util.Optional<String> drift(HasMetadata object) {
    List<ManagedFieldsEntry> entries = object.getMetadata().getManagedFields();
    if (entries == null
        || entries.stream()
            .noneMatch(e -> "sandbox".equals(e.getManager()) && "Apply".equals(e.getOperation()))) {
      return java.util.Optional.empty();
    }
    List<String> changes = new ArrayList<>();
    for (ManagedFieldsEntry entry : entries) {
      if (OURS.contains(entry.getManager())
          || !"Update".equals(entry.getOperation())
          || (entry.getSubresource() != null
              && !entry.getSubresource().isEmpty()
              && !entry.getSubresource().equals("scale"))
          || entry.getFieldsV1() == null) {
        continue;
      }
      TreeSet<String> fields = new TreeSet<>();
      Map<String, Object> owned = entry.getFieldsV1().getAdditionalProperties();
      for (String top : CONTENT) {
        if (owned.get(top) instanceof Map<?, ?> below) {
          leaves(top.substring(2), below, fields);
        }
      }
      if (!fields.isEmpty()) {
        changes.add(String.join(", ", fields) + " by " + entry.getManager());
      }
    }
    if (changes.isEmpty()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        object.getKind().toLowerCase()
            + "/"
            + object.getMetadata().getNamespace()
            + "/"
            + object.getMetadata().getName()
            + " drifted from what the sandbox applied: "
            + String.join("; ", changes)
            + ". `sandbox apply --force-conflicts` restores the manifests' values.");
  }

  /** Dotted paths of the owned leaves: {@code f:spec → f:replicas} is {@code spec.replicas}. */
  private static void leaves(String path, Map<?, ?> node, Set<String> into) {
    boolean leaf = true;
    for (Map.Entry<?, ?> child : node.entrySet()) {
      String key = String.valueOf(child.getKey());
      if (key.equals(".")) {
        continue;
      }
      leaf = false;
      String name =
          key.startsWith("f:")
              ? key.substring(2)
              : key.startsWith("k:") ? "[" + key.substring(2) + "]" : key;
      if (child.getValue() instanceof Map<?, ?> below && !below.isEmpty()) {
        leaves(path + "." + name, below, into);
      } else {
        into.add(path + "." + name);
      }
    }
    if (leaf) {
      into.add(path);
    }
  }
}
