package dev.sandbox.manifest;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * One Kubernetes object read from a production manifest, with where it came from.
 *
 * @param source the file (or kustomization folder) it was read from
 * @param index 0-based document index within the source
 * @param resource the object as the sandbox applies it (images rewritten through the image map)
 * @param written the object as the file wrote it, which the policies judge: production's image, not
 *     its local stand-in
 */
public record Manifest(
    String source,
    int index,
    GenericKubernetesResource resource,
    GenericKubernetesResource written) {

  /** An object applied as written (nothing rewritten). */
  public Manifest(String source, int index, GenericKubernetesResource resource) {
    this(source, index, resource, resource);
  }

  /** Moves the object, as applied and as written, into {@code namespace}. */
  public void moveTo(String namespace) {
    resource.getMetadata().setNamespace(namespace);
    if (written != resource) {
      written.getMetadata().setNamespace(namespace);
    }
  }

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
