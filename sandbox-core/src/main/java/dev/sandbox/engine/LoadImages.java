package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.docker.DockerEngine;
import dev.sandbox.k3s.K3sNode;
import dev.sandbox.manifest.Manifest;
import dev.sandbox.manifest.ManifestImages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads into the node the stack's images and the local images the manifests reach through the image
 * map (so mapped pods need no registry), each once: what was loaded while k3s started is not
 * imported again. Offline, an image no pod could ever get fails here, naming its object.
 */
final class LoadImages extends Step {

  LoadImages() {
    super("images");
  }

  @Override
  String run(DeployContext context, ProgressListener listener) {
    List<Manifest> all = new ArrayList<>(context.manifests);
    all.addAll(context.monitoring);
    Set<String> wanted = new LinkedHashSet<>();
    context.stack.images().forEach(image -> wanted.add(context.images.apply(image)));
    wanted.addAll(
        ManifestImages.of(
            all, context.images, image -> DockerEngine.hasImage(context.docker, image)));
    for (String image : wanted) {
      K3sNode.pulledAlways(image)
          .ifPresent(warning -> listener.onEvent(ProgressListener.Event.info(name(), warning)));
    }
    wanted.removeAll(context.preloaded());
    context.loaded.addAll(wanted);
    if (wanted.isEmpty()) {
      return "0 image(s) loaded";
    }
    // which of them the node holds already (same local image ID): asked once for all
    Instant checking = Instant.now();
    Map<String, String> ids = new LinkedHashMap<>();
    wanted.forEach(image -> ids.put(image, K3sNode.imageId(context.docker, image)));
    Set<String> held = K3sNode.holding(context.docker, context.nodeId, ids);
    Duration checked = Duration.between(checking, Instant.now());
    for (String image : wanted) {
      if (held.contains(image)) {
        listener.onEvent(ProgressListener.Event.done(name(), image + " already loaded", checked));
        continue;
      }
      Instant begin = Instant.now();
      listener.onEvent(ProgressListener.Event.started(name(), "loading " + image));
      K3sNode.load(context.docker, context.nodeId, image, ids.get(image));
      Duration took = Duration.between(begin, Instant.now());
      listener.onEvent(
          ProgressListener.Event.done(
              name(), "loaded " + image + " in " + took.toMillis() + " ms", took));
    }
    return wanted.size() + " image(s) loaded";
  }
}
