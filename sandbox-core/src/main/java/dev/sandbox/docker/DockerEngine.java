package dev.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import dev.sandbox.SandboxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * The local Docker engine as the sandbox sees it: availability and labelled resources. Internal.
 */
public final class DockerEngine {

  private static final Logger logger = LoggerFactory.getLogger(DockerEngine.class);

  private DockerEngine() {}

  /** The Docker client, or a {@link SandboxException.DockerUnavailable} saying what to do. */
  public static DockerClient client() {
    try {
      if (!DockerClientFactory.instance().isDockerAvailable()) {
        throw unavailable(null);
      }
      return DockerClientFactory.instance().client();
    } catch (SandboxException e) {
      throw e;
    } catch (RuntimeException e) {
      throw unavailable(e);
    }
  }

  private static SandboxException.DockerUnavailable unavailable(Throwable cause) {
    return new SandboxException.DockerUnavailable(
        "No Docker engine answered. Start Docker (for example `sudo systemctl start docker`, or `dockerd &`),"
            + " or point DOCKER_HOST at one, then run `sandbox doctor`."
            + (cause == null ? "" : " Cause: " + rootMessage(cause)),
        cause);
  }

  static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  /** Containers (running or not) carrying the sandbox's name label. */
  public static List<Container> containers(DockerClient client, String name) {
    return client
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(Labels.NAME, name))
        .exec();
  }

  /** Removes every container, network and (unless {@code keepData}) volume of the sandbox. */
  public static List<String> removeAll(DockerClient client, String name, boolean keepData) {
    List<String> removed = new ArrayList<>();
    for (Container container : containers(client, name)) {
      try {
        client.removeContainerCmd(container.getId()).withForce(true).withRemoveVolumes(true).exec();
        removed.add("container " + String.join(",", container.getNames()));
      } catch (NotFoundException e) {
        logger.debug("container {} already gone", container.getId());
      }
    }
    for (Network network :
        client.listNetworksCmd().withFilter("label", List.of(Labels.selector(name))).exec()) {
      try {
        client.removeNetworkCmd(network.getId()).exec();
        removed.add("network " + network.getName());
      } catch (NotFoundException e) {
        logger.debug("network {} already gone", network.getId());
      }
    }
    if (!keepData) {
      var volumes =
          client
              .listVolumesCmd()
              .withFilter("label", List.of(Labels.selector(name)))
              .exec()
              .getVolumes();
      if (volumes != null) {
        for (var volume : volumes) {
          try {
            client.removeVolumeCmd(volume.getName()).exec();
            removed.add("volume " + volume.getName());
          } catch (NotFoundException e) {
            logger.debug("volume {} already gone", volume.getName());
          }
        }
      }
    }
    return removed;
  }
}
