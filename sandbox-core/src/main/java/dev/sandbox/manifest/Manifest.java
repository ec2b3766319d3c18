package dev.sandbox.manifest;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * One Kubernetes object read from a production manifest, with where it came from.
 *
 * @param source the file (or kustomization folder) it was read from
 * @param index 0-based document index within the source
 * @param resource the object
 */
public record Manifest(String source, int index, GenericKubernetesResource resource) {

  public String kind() {
    return resource.getKind();
  }

  public String name() {
    return resource.getMetadata() == null ? "<unnamed>" : resource.getMetadata().getName();
  }

  public String namespace() {
    return resource.getMetadata() == null ? null : resource.getMetadata().getNamespace();
  }

  /** {@code kind/name} or {@code kind/namespace/name}, as shown to users. */
  public String displayName() {
    String ns = namespace();
    return kind().toLowerCase() + "/" + (ns == null ? "" : ns + "/") + name();
  }

  /**
   * {@code file, document n (Kind/name)} or {@code file, document n (Kind/namespace/name)}, as used
   * in error messages; n is 1-based.
   */
  public String origin() {
    String ns = namespace();
    return source
        + ", document "
        + (index + 1)
        + " ("
        + kind()
        + "/"
        + (ns == null ? "" : ns + "/")
        + name()
        + ")";
  }
}
