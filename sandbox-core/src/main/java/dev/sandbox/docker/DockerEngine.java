package dev.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import dev.sandbox.SandboxException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * The local Docker engine as the sandbox sees it: availability and labelled resources. Internal.
 */
public final class DockerEngine {

  private static final Logger logger = LoggerFactory.getLogger(DockerEngine.class);

  private DockerEngine() {}

  /**
   * The Docker client, or a {@link SandboxException.DockerUnavailable} saying what to do.
   *
   * <p>When {@code DOCKER_HOST} names an engine, that engine is the one used: Testcontainers would
   * otherwise fall back to the default socket when it does not answer, and the sandbox would start
   * on an engine the user did not choose.
   */
  public static DockerClient client() {
    String requested = System.getenv("DOCKER_HOST");
    try {
      // resolve the engine before client(), which already starts the resource reaper on it
      URI used = DockerClientFactory.instance().getTransportConfig().getDockerHost();
      if (requested != null && !requested.isBlank() && !sameHost(requested, used)) {
        throw new SandboxException.DockerUnavailable(
            "DOCKER_HOST="
                + requested
                + " does not answer (the default engine "
                + used
                + " does, but it is not the one you named). Start the engine at "
                + requested
                + ", or unset DOCKER_HOST to use the default one, then run `sandbox doctor`.",
            null);
      }
      if (!DockerClientFactory.instance().isDockerAvailable()) {
        throw unavailable(requested, null);
      }
      return DockerClientFactory.instance().client();
    } catch (SandboxException e) {
      throw e;
    } catch (RuntimeException e) {
      throw unavailable(requested, e);
    }
  }

  static boolean sameHost(String requested, URI used) {
    try {
      URI wanted = URI.create(requested.strip());
      return normal(wanted).equals(normal(used));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String normal(URI uri) {
    String text = uri.normalize().toString();
    text = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    return text.replace("://localhost", "://127.0.0.1");
  }

  static boolean isLoopback(String host) {
    return host != null
        && (host.equals("localhost")
            || host.startsWith("127.")
            || host.equals("::1")
            || host.equals("[::1]"));
  }

  private static SandboxException.DockerUnavailable unavailable(String requested, Throwable cause) {
    if (requested != null && !requested.isBlank()) {
      return new SandboxException.DockerUnavailable(
          "The Docker engine at DOCKER_HOST="
              + requested
              + " does not answer. Start it, or unset DOCKER_HOST to use the default one, then run"
              + " `sandbox doctor`."
              + (cause == null ? "" : " Cause: " + rootMessage(cause)),
          cause);
    }
    return unavailable(cause);
  }

  private static SandboxException.DockerUnavailable unavailable(Throwable cause) {
    return new SandboxException.DockerUnavailable(
        "No Docker engine answered. Start Docker (for example `sudo systemctl start docker`, or `dockerd &`),"
            + " or point DOCKER_HOST at one, then run `sandbox doctor`."
            + (cause == null ? "" : " Cause: " + rootMessage(cause)),
        cause);
  }

  public static String rootMessage(Throwable error) {
    Throwable root = SandboxException.rootCause(error);
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  /**
   * True when the local engine has {@code image}: the engine's one check (the pull policy, the
   * slice's preload list and the image steps call it; the CLI's doctor has its own, as front ends
   * may not reach this package).
   */
  public static boolean hasImage(DockerClient client, String image) {
    try {
      client.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** Containers (running or not) carrying the sandbox's name label. */
  public static List<Container> containers(DockerClient client, String name) {
    return client
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(Labels.NAME, name))
        .exec();
  }

  /** Networks carrying the sandbox's name label. */
  public static List<Network> networks(DockerClient client, String name) {
    return client.listNetworksCmd().withFilter("label", List.of(Labels.selector(name))).exec();
  }

  /** Names of the volumes carrying the sandbox's name label. */
  public static List<String> volumes(DockerClient client, String name) {
    var volumes =
        client
            .listVolumesCmd()
            .withFilter("label", List.of(Labels.selector(name)))
            .exec()
            .getVolumes();
    return volumes == null ? List.of() : volumes.stream().map(v -> v.getName()).toList();
  }

  /** Removes one volume; gone already counts as removed. */
  public static void removeVolume(DockerClient client, String volume) {
    try {
      client.removeVolumeCmd(volume).exec();
    } catch (NotFoundException e) {
      logger.debug("volume {} already gone", volume);
    }
  }

  /**
   * Removes one container with its anonymous volumes; false when it was gone already or another
   * clean-up (Ctrl-C's and the failed start's, say) is removing it right now.
   */
  public static boolean removeContainer(DockerClient client, Container container) {
    try {
      client.removeContainerCmd(container.getId()).withForce(true).withRemoveVolumes(true).exec();
      return true;
    } catch (NotFoundException e) {
      logger.debug("container {} already gone", container.getId());
    } catch (com.github.dockerjava.api.exception.ConflictException e) {
      logger.debug("container {} is being removed already", container.getId());
    }
    return false;
  }

  /** The component label of a node's image store volume, which only a purge removes. */
  public static final String IMAGE_STORE_COMPONENT = "images";

  /** The k3s image that wrote image store {@code volume}, when it exists and says so. */
  public static Optional<String> imageStoreNodeImage(DockerClient client, String volume) {
    try {
      Map<String, String> labels = client.inspectVolumeCmd(volume).exec().getLabels();
      return Optional.ofNullable(labels == null ? null : labels.get(Labels.NODE_IMAGE));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * Image store {@code volume} belongs to a throwaway sandbox (tests, {@code sandbox exec}): it
   * carries Testcontainers' session label, so the resource reaper removes it with the JVM, and
   * {@code down} removes it with the sandbox.
   */
  public static boolean throwawayImageStore(DockerClient client, String volume) {
    try {
      Map<String, String> labels = client.inspectVolumeCmd(volume).exec().getLabels();
      return labels != null
          && labels.containsKey(
              org.testcontainers.DockerClientFactory.TESTCONTAINERS_SESSION_ID_LABEL);
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** Removes image store {@code volume}; returns what was removed. */
  public static List<String> removeImageStore(DockerClient client, String volume) {
    try {
      client.removeVolumeCmd(volume).exec();
      return new ArrayList<>(List.of("volume " + volume));
    } catch (NotFoundException e) {
      return new ArrayList<>();
    }
  }

  /**
   * Removes every container, network and (unless {@code keepData}) data volume of the sandbox; its
   * image store stays.
   */
  public static List<String> removeAll(DockerClient client, String name, boolean keepData) {
    return removeAll(client, name, keepData, true);
  }

  /**
   * Removes every container, network and (unless {@code keepData}) data volume of the sandbox, and
   * (unless {@code keepImages}) the image store of its node.
   */
  public static List<String> removeAll(
      DockerClient client, String name, boolean keepData, boolean keepImages) {
    List<String> removed = new ArrayList<>();
    for (Container container : containers(client, name)) {
      if (removeContainer(client, container)) {
        removed.add("container " + String.join(",", container.getNames()));
      }
    }
    for (Network network : networks(client, name)) {
      try {
        client.removeNetworkCmd(network.getId()).exec();
        removed.add("network " + network.getName());
      } catch (NotFoundException e) {
        logger.debug("network {} already gone", network.getId());
      } catch (com.github.dockerjava.api.exception.ConflictException e) {
        // still has endpoints: a container being removed concurrently; the next sweep takes it
        logger.debug("network {} still in use", network.getId());
      }
    }
    if (!keepData || !keepImages) {
      var volumes =
          client
              .listVolumesCmd()
              .withFilter("label", List.of(Labels.selector(name)))
              .exec()
              .getVolumes();
      if (volumes != null) {
        for (var volume : volumes) {
          boolean store =
              volume.getLabels() != null
                  && IMAGE_STORE_COMPONENT.equals(volume.getLabels().get(Labels.COMPONENT));
          if (store ? keepImages : keepData) {
            continue;
          }
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
