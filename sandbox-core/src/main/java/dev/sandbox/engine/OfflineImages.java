package dev.sandbox.engine;

import com.github.dockerjava.api.DockerClient;
import dev.sandbox.ProgressListener;
import dev.sandbox.SandboxException;
import dev.sandbox.docker.DockerEngine;
import dev.sandbox.manifest.Manifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Offline, after the objects were admitted (so policy verdicts come first): an image that is
 * neither loaded into the node nor in the local engine can only end in ImagePullBackOff after the
 * readiness timeout, so fail now, naming each image and its object.
 */
final class OfflineImages extends Step {

  OfflineImages() {
    super("images");
  }

  @Override
  boolean appliesTo(DeployContext context) {
    return context.offline;
  }

  @Override
  String describe(DeployContext context) {
    return "checking that every image is local (offline)";
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    List<Manifest> all = new ArrayList<>(context.manifests);
    all.addAll(context.monitoring);
    Set<String> loaded = new LinkedHashSet<>(context.loaded);
    loaded.addAll(context.preloaded());
    requireLocal(context.docker, all, loaded);
    return "every image is local";
  }

  /**
   * Offline, a workload whose image is neither loaded nor in the local engine can only end in
   * ImagePullBackOff after the readiness timeout: say so now, naming each image and its object.
   */
  private static void requireLocal(
      DockerClient docker, List<Manifest> manifests, Set<String> loaded) {
    Map<String, String> missing = new LinkedHashMap<>();
    for (Manifest manifest : manifests) {
      Set<String> used = new LinkedHashSet<>();
      all(manifest.resource().getAdditionalProperties(), used);
      for (String image : used) {
        if (!loaded.contains(image)
            && !missing.containsKey(image)
            && !DockerEngine.hasImage(docker, image)) {
          missing.put(image, manifest.origin());
        }
      }
    }
    if (!missing.isEmpty()) {
      StringBuilder text =
          new StringBuilder(
              "Offline, and these images of the manifests are not in the local Docker engine, so"
                  + " their pods could never start:\n");
      missing.forEach(
          (image, origin) ->
              text.append("  ").append(image).append("  (").append(origin).append(")\n"));
      text.append(
          "Build or load them (docker build / docker load), or map each to an image you have under"
              + " image-map in sandbox.yaml or ~/.sandbox/config.yaml.");
      throw new SandboxException.ImageUnavailable(
          missing.keySet().iterator().next(), text.toString());
    }
  }

  private static void all(Object node, Set<String> into) {
    if (node instanceof Map<?, ?> map) {
      map.forEach(
          (key, value) -> {
            if ("image".equals(key) && value instanceof String image && !image.isBlank()) {
              into.add(image);
            } else {
              all(value, into);
            }
          });
    } else if (node instanceof List<?> list) {
      list.forEach(item -> all(item, into));
    }
  }
}
