package dev.sandbox.k3s;

import dev.sandbox.ProgressListener;
import dev.sandbox.SandboxException;
import dev.sandbox.manifest.HelmCharts;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.poll.Poll;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What each Helm release put into the cluster, kept in the cluster itself (one ConfigMap per
 * release, in its namespace, as Helm keeps its release Secrets), so that {@code apply} after an
 * edited chart removes the objects the new render no longer contains, and a release taken out of
 * the stack file is removed whole. Only objects that still carry the release's label are removed.
 * Internal.
 */
public final class ReleaseInventory {

  static final String INVENTORY_LABEL = "sandbox.dev/helm-inventory";
  static final String FIELD_MANAGER = "sandbox-releases";
  private static final String PREFIX = "sandbox-helm-";
  private static final String HOOK_DELETE_POLICY = "helm.sh/hook-delete-policy";

  private final KubernetesClient client;
  private final ProgressListener listener;

  public ReleaseInventory(KubernetesClient client, ProgressListener listener) {
    this.client = client;
    this.listener = listener;
  }

  /** One object, as the inventory names it. */
  record Ref(String apiVersion, String kind, String namespace, String name) {
    static Ref of(Manifest manifest) {
      return new Ref(
          manifest.resource().getApiVersion(),
          manifest.kind(),
          Objects.requireNonNullElse(manifest.namespace(), ""),
          manifest.name());
    }

    static Ref parse(String line) {
      String[] parts = line.split("\t", -1);
      return parts.length == 4 ? new Ref(parts[0], parts[1], parts[2], parts[3]) : null;
    }

    String line() {
      return apiVersion + "\t" + kind + "\t" + namespace + "\t" + name;
    }

    /** The object whatever its API version: a chart moving to a newer version keeps it. */
    String identity() {
      String group =
          apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
      return group + "\t" + kind + "\t" + namespace + "\t" + name;
    }

    String display() {
      return kind.toLowerCase() + "/" + (namespace.isEmpty() ? "" : namespace + "/") + name;
    }
  }

  /**
   * Before the objects are applied: deletes the earlier instance of every hook whose delete policy
   * is Helm's default {@code before-hook-creation}, as Helm does, so a changed hook Job (whose pod
   * template cannot be updated) is created anew. Returns how many were deleted.
   */
  public int replaceHooks(String release, List<Manifest> objects, Duration timeout) {
    int deleted = 0;
    for (Manifest manifest : objects) {
      if (HelmCharts.hook(manifest).isEmpty()) {
        continue;
      }
      String policy =
          manifest
              .resource()
              .getMetadata()
              .getAnnotations()
              .getOrDefault(HOOK_DELETE_POLICY, "before-hook-creation");
      if (policy.contains("before-hook-creation") && delete(Ref.of(manifest), release, timeout)) {
        deleted++;
      }
    }
    return deleted;
  }

  /**
   * After the releases applied: removes what earlier renders of each release had and this one has
   * not, removes releases no longer declared, and records the current objects.
   *
   * @param current release name and namespace to its objects
   * @return how many objects were removed
   */
  public int prune(Map<ReleaseKey, List<Manifest>> current, Duration timeout) {
    int removed = 0;
    Set<ReleaseKey> seen = new LinkedHashSet<>();
    for (ConfigMap inventory :
        client.configMaps().inAnyNamespace().withLabel(INVENTORY_LABEL, "true").list().getItems()) {
      String release = inventory.getMetadata().getLabels().get(HelmCharts.RELEASE_LABEL);
      ReleaseKey key = new ReleaseKey(inventory.getMetadata().getNamespace(), release);
      seen.add(key);
      List<Manifest> now = current.get(key);
      Set<String> keep = new LinkedHashSet<>();
      if (now != null) {
        now.forEach(m -> keep.add(Ref.of(m).identity()));
      }
      for (Ref ref : refs(inventory)) {
        if (!keep.contains(ref.identity()) && delete(ref, release, timeout)) {
          removed++;
          listener.onEvent(
              ProgressListener.Event.info(
                  "manifests",
                  "removed "
                      + ref.display()
                      + (now == null
                          ? " (release " + release + " is no longer in the stack file)"
                          : " (no longer in release " + release + "'s render)")));
        }
      }
      if (now == null) {
        client.configMaps().resource(inventory).delete();
      }
    }
    current.forEach((key, objects) -> record(key, objects));
    return removed;
  }

  /** A release, by namespace and name. */
  public record ReleaseKey(String namespace, String release) {}

  private void record(ReleaseKey key, List<Manifest> objects) {
    List<String> lines = new ArrayList<>();
    objects.forEach(m -> lines.add(Ref.of(m).line()));
    ConfigMap inventory =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(PREFIX + key.release())
            .withNamespace(key.namespace())
            .addToLabels(INVENTORY_LABEL, "true")
            .addToLabels(HelmCharts.RELEASE_LABEL, key.release())
            .addToLabels("app.kubernetes.io/managed-by", "sandbox")
            .endMetadata()
            .addToData("objects", String.join("\n", lines))
            .build();
    client
        .configMaps()
        .resource(inventory)
        .fieldManager(FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
  }

  private static List<Ref> refs(ConfigMap inventory) {
    String text =
        inventory.getData() == null ? "" : inventory.getData().getOrDefault("objects", "");
    return text.lines().map(Ref::parse).filter(Objects::nonNull).toList();
  }

  /** Deletes the object when it exists and still belongs to {@code release}; waits until gone. */
  private boolean delete(Ref ref, String release, Duration timeout) {
    Resource<GenericKubernetesResource> resource = resource(ref);
    GenericKubernetesResource live;
    try {
      live = resource.get();
    } catch (KubernetesClientException e) {
      return false; // its kind is no longer served (a CRD removed with the release)
    }
    if (live == null
        || live.getMetadata().getLabels() == null
        || !release.equals(live.getMetadata().getLabels().get(HelmCharts.RELEASE_LABEL))) {
      return false;
    }
    resource.withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    Poll.until(
        ref.display() + " to be deleted",
        timeout,
        Duration.ofMillis(250),
        seen -> {
          GenericKubernetesResource still = resource.get();
          if (still != null
              && !Objects.equals(still.getMetadata().getUid(), live.getMetadata().getUid())) {
            return Boolean.TRUE; // already created anew
          }
          seen.is(still == null ? "gone" : "still there");
          return still == null ? Boolean.TRUE : null;
        },
        last ->
            new SandboxException.ManifestApply(
                ref.display()
                    + " was not deleted within "
                    + timeout.toSeconds()
                    + " s ("
                    + last
                    + "); a finalizer may hold it: `kubectl get "
                    + ref.kind().toLowerCase()
                    + " "
                    + ref.name()
                    + (ref.namespace().isEmpty() ? "" : " -n " + ref.namespace())
                    + " -o yaml` shows it.",
                null));
    return true;
  }

  private Resource<GenericKubernetesResource> resource(Ref ref) {
    var kind = client.genericKubernetesResources(ref.apiVersion(), ref.kind());
    return ref.namespace().isEmpty()
        ? kind.withName(ref.name())
        : kind.inNamespace(ref.namespace()).withName(ref.name());
  }
}
