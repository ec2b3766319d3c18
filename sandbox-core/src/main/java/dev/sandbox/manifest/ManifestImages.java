package dev.sandbox.manifest;

import dev.sandbox.ImageMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The local images manifests reach through the image map: every {@code image:} whose value (after
 * the map rewrote it) is a map target that the local engine has. Those are loaded into the node so
 * that mapped pods need no registry — while k3s starts, for the files that can be read before it.
 */
public final class ManifestImages {

  private ManifestImages() {}

  /** The mapped, locally present images of {@code manifests}, in order of appearance. */
  public static Set<String> of(List<Manifest> manifests, ImageMap map, Predicate<String> present) {
    Set<String> found = new LinkedHashSet<>();
    for (Manifest manifest : manifests) {
      collect(manifest.resource().getAdditionalProperties(), found, map, present);
    }
    return found;
  }

  private static void collect(
      Object node, Set<String> into, ImageMap map, Predicate<String> present) {
    if (node instanceof Map<?, ?> fields) {
      fields.forEach(
          (key, value) -> {
            if ("image".equals(key)
                && value instanceof String image
                && !into.contains(image)
                && map.entries().containsValue(image)
                && present.test(image)) {
              into.add(image);
            } else {
              collect(value, into, map, present);
            }
          });
    } else if (node instanceof List<?> items) {
      items.forEach(item -> collect(item, into, map, present));
    }
  }
}
