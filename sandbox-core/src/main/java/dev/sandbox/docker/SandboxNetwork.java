package dev.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.util.Map;
import org.testcontainers.containers.Network;

/**
 * The sandbox's Docker network, created by the engine rather than by Testcontainers so that its
 * labels say who owns it: a persistent sandbox's network carries only the sandbox labels (it
 * outlives the JVM, {@code down} removes it); a throwaway one also carries Testcontainers' session
 * labels, so the resource reaper removes it even when the JVM is killed. Internal.
 */
public final class SandboxNetwork implements Network {

  private final DockerClient docker;
  private final String id;
  private final String name;

  private SandboxNetwork(DockerClient docker, String id, String name) {
    this.docker = docker;
    this.id = id;
    this.name = name;
  }

  public static SandboxNetwork create(
      DockerClient docker, String name, Map<String, String> labels, boolean persistent) {
    Map<String, String> all = Labels.reapable(labels, persistent);
    String id =
        docker
            .createNetworkCmd()
            .withName(name)
            .withCheckDuplicate(true)
            .withLabels(all)
            .exec()
            .getId();
    return new SandboxNetwork(docker, id, name);
  }

  /** The network of a running sandbox, to attach a replacement container to. */
  public static SandboxNetwork existing(DockerClient docker, String name) {
    return new SandboxNetwork(
        docker, docker.inspectNetworkCmd().withNetworkId(name).exec().getId(), name);
  }

  public String name() {
    return name;
  }

  @Override
  public String getId() {
    return id;
  }

  @Override
  public void close() {
    try {
      docker.removeNetworkCmd(id).exec();
    } catch (NotFoundException e) {
      // already gone
    }
  }
}
