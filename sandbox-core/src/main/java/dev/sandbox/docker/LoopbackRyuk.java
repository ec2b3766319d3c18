package dev.sandbox.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.net.URI;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.core.CreateContainerCmdModifier;

/**
 * Publishes Testcontainers' resource reaper (Ryuk) on 127.0.0.1 instead of every interface.
 *
 * <p>Ryuk's control port deletes any container whose labels a client names; Testcontainers
 * publishes it on 0.0.0.0 and [::] and has no setting for the address, so anyone who could reach
 * this machine could have the engine's containers removed. Testcontainers applies every {@link
 * CreateContainerCmdModifier} found through {@link java.util.ServiceLoader} to the containers it
 * creates (registered in {@code META-INF/services}); this one touches only the reaper, and only
 * when the Docker engine is on this machine (a remote engine's reaper must stay reachable).
 * Internal.
 */
public final class LoopbackRyuk implements CreateContainerCmdModifier {

  @Override
  public CreateContainerCmd modify(CreateContainerCmd cmd) {
    if (!isReaper(cmd.getImage()) || !localEngine()) {
      return cmd;
    }
    ExposedPort[] exposed = cmd.getExposedPorts();
    if (exposed == null || exposed.length == 0) {
      return cmd;
    }
    List<PortBinding> bindings =
        List.of(exposed).stream()
            .map(port -> new PortBinding(Ports.Binding.bindIp("127.0.0.1"), port))
            .toList();
    cmd.getHostConfig().withPublishAllPorts(false).withPortBindings(bindings);
    return cmd;
  }

  static boolean isReaper(String image) {
    if (image == null) {
      return false;
    }
    String repository = image.replaceFirst("@.*$", "").replaceFirst(":[^/:]*$", "");
    return repository.equals("ryuk") || repository.endsWith("/ryuk");
  }

  private static boolean localEngine() {
    try {
      URI host = DockerClientFactory.instance().getTransportConfig().getDockerHost();
      String scheme = host.getScheme() == null ? "" : host.getScheme();
      return switch (scheme) {
        case "unix", "npipe" -> true;
        case "tcp", "http", "https" -> DockerEngine.isLoopback(host.getHost());
        default -> false;
      };
    } catch (RuntimeException e) {
      return false;
    }
  }
}
