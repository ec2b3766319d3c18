package dev.sandbox.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import dev.sandbox.docker.Binds;
import dev.sandbox.docker.DockerEngine;
import dev.sandbox.docker.Labels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * How every container of a slice is set up: on the sandbox's network under its component's name,
 * labelled (name, stack hash, version, state root), published on 127.0.0.1 only (on pinned host
 * ports when a replacement must keep them), with its data volume. Internal.
 */
record SliceContainers(
    DockerClient docker,
    String sandbox,
    String stackHash,
    String version,
    String stateRoot,
    java.time.Duration startupTimeout) {

  void configure(
      GenericContainer<?> container,
      String component,
      Network network,
      List<Integer> ports,
      String volume,
      String dataPath,
      Map<Integer, Integer> pinnedHostPorts) {
    Map<String, String> labels = new HashMap<>(Labels.of(sandbox, stackHash, version, component));
    labels.put(Labels.STATE_ROOT, stateRoot);
    container
        .withNetwork(network)
        .withNetworkAliases(component)
        .withLabels(labels)
        .withStartupTimeout(startupTimeout)
        .withCreateContainerCmdModifier(
            cmd -> {
              cmd.withName("sandbox-" + sandbox + "-" + component);
              // Publish on loopback only: the sandbox is for this machine, not its network. Every
              // port Testcontainers exposes is bound (it waits for all of them to be mapped).
              Set<ExposedPort> exposed = new LinkedHashSet<>();
              ports.forEach(p -> exposed.add(ExposedPort.tcp(p)));
              if (cmd.getExposedPorts() != null) {
                exposed.addAll(List.of(cmd.getExposedPorts()));
              }
              List<PortBinding> bindings =
                  exposed.stream()
                      .map(
                          p ->
                              new PortBinding(
                                  pinnedHostPorts.containsKey(p.getPort())
                                      ? Ports.Binding.bindIpAndPort(
                                          "127.0.0.1", pinnedHostPorts.get(p.getPort()))
                                      : Ports.Binding.bindIp("127.0.0.1"),
                                  p))
                      .toList();
              cmd.withExposedPorts(new ArrayList<>(exposed));
              cmd.getHostConfig().withPublishAllPorts(false).withPortBindings(bindings);
              if (volume != null) {
                Binds.add(cmd, List.of(new Bind(volume, new Volume(dataPath))));
              }
              if (!component.equals("k3s") && LocalSlice.cpuSharesSupported()) {
                // the services yield the CPU to the node while it boots (see LocalSlice)
                cmd.getHostConfig().withCpuShares(LocalSlice.BOOT_CPU_SHARES);
              }
            });
  }

  /**
   * Creates the labelled data volume unless it exists; true when it was created. The volume of a
   * throwaway sandbox carries Testcontainers' session label too, so the resource reaper removes it
   * with the containers when the JVM dies.
   */
  boolean createVolume(String volume, String service, boolean persistent) {
    try {
      docker.inspectVolumeCmd(volume).exec();
      return false;
    } catch (NotFoundException e) {
      docker
          .createVolumeCmd()
          .withName(volume)
          .withLabels(Labels.reapable(Labels.of(sandbox, stackHash, version, service), persistent))
          .exec();
      return true;
    }
  }

  /**
   * The node's image store {@code volume}, kept when an earlier node of the same image left it
   * (true), else created afresh (false): a store written by another k3s image (another containerd)
   * is replaced rather than handed to a containerd that may not read it. A persistent sandbox's
   * store is never reaped: it outlives the sandbox until {@code down --purge}. A throwaway
   * sandbox's store carries Testcontainers' session label, so the reaper removes it with the JVM;
   * {@code down} removes it too.
   */
  boolean imageStore(String volume, String nodeImage, boolean persistent) {
    try {
      var existing = docker.inspectVolumeCmd(volume).exec();
      Map<String, String> labels = existing.getLabels();
      if (labels != null && nodeImage.equals(labels.get(Labels.NODE_IMAGE))) {
        return true;
      }
      docker.removeVolumeCmd(volume).exec();
    } catch (NotFoundException e) {
      // none yet
    }
    Map<String, String> labels =
        new HashMap<>(Labels.of(sandbox, stackHash, version, DockerEngine.IMAGE_STORE_COMPONENT));
    labels.put(Labels.NODE_IMAGE, nodeImage);
    docker
        .createVolumeCmd()
        .withName(volume)
        .withLabels(Labels.reapable(labels, persistent))
        .exec();
    return false;
  }
}
