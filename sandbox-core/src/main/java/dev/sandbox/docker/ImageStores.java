package dev.sandbox.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.sandbox.ImageStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.dockerclient.TransportConfig;

/**
 * The image stores of sandbox nodes on this engine (volumes labelled {@link
 * DockerEngine#IMAGE_STORE_COMPONENT}), with their sizes from the engine's disk-usage endpoint
 * ({@code GET /system/df}, which docker-java does not wrap; asked through its own transport).
 * Internal to the engine.
 */
public final class ImageStores {

  private ImageStores() {}

  /** True when the image store {@code volume} exists; asks for nothing but that volume. */
  public static boolean exists(DockerClient docker, String volume) {
    try {
      docker.inspectVolumeCmd(volume).exec();
      return true;
    } catch (com.github.dockerjava.api.exception.NotFoundException e) {
      return false;
    }
  }

  /** Every image store, by sandbox name; a size the engine does not report is empty. */
  public static List<ImageStore> list(DockerClient docker) {
    var volumes =
        docker
            .listVolumesCmd()
            .withFilter(
                "label", List.of(Labels.COMPONENT + "=" + DockerEngine.IMAGE_STORE_COMPONENT))
            .exec()
            .getVolumes();
    if (volumes == null || volumes.isEmpty()) {
      return List.of();
    }
    Map<String, Long> sizes = sizes();
    List<ImageStore> stores = new ArrayList<>();
    for (var volume : volumes) {
      Long size = sizes.get(volume.getName());
      stores.add(
          new ImageStore(
              volume.getLabels().get(Labels.NAME),
              volume.getName(),
              size == null || size < 0 ? OptionalLong.empty() : OptionalLong.of(size)));
    }
    stores.sort(java.util.Comparator.comparing(ImageStore::sandbox));
    return stores;
  }

  /** Volume name to bytes used, as the engine computes it; empty when it cannot say. */
  static Map<String, Long> sizes() {
    Map<String, Long> sizes = new HashMap<>();
    TransportConfig transport = DockerClientFactory.instance().getTransportConfig();
    try (DockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(transport.getDockerHost())
            .sslConfig(transport.getSslConfig())
            .responseTimeout(java.time.Duration.ofSeconds(60))
            .build()) {
      DockerHttpClient.Request request =
          DockerHttpClient.Request.builder()
              .method(DockerHttpClient.Request.Method.GET)
              .path("/system/df?type=volume")
              .build();
      try (DockerHttpClient.Response response = http.execute(request)) {
        if (response.getStatusCode() != 200) {
          return sizes;
        }
        JsonNode root = new ObjectMapper().readTree(response.getBody());
        for (JsonNode volume : root.path("Volumes")) {
          sizes.put(volume.path("Name").asText(), volume.path("UsageData").path("Size").asLong(-1));
        }
      }
    } catch (Exception e) {
      // sizes are a nicety: the list stands without them
    }
    return sizes;
  }
}
