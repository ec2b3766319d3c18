package dev.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.sandbox.OrphanedSandbox;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds and removes sandboxes nobody can reach any more: their containers name a state folder root
 * ({@link Labels#STATE_ROOT}) that no longer exists — a test run's deleted temp folder, a killed
 * job's workspace. No command can reach them (every command starts from a state root), and an
 * {@code up} of the same name from another root refuses to replace them. A root that exists is
 * never judged: its sandboxes belong to whoever uses it. Internal to the engine.
 */
public final class Orphans {

  private Orphans() {}

  /** Every orphaned sandbox on the engine, by name and root. */
  public static List<OrphanedSandbox> find(DockerClient docker) {
    Map<String, List<Container>> byNameAndRoot = new TreeMap<>();
    for (Container container :
        docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(Labels.NAME)).exec()) {
      Map<String, String> labels = container.getLabels();
      String root = labels.get(Labels.STATE_ROOT);
      if (root == null || !isGone(root)) {
        continue;
      }
      byNameAndRoot
          .computeIfAbsent(labels.get(Labels.NAME) + "\n" + root, key -> new ArrayList<>())
          .add(container);
    }
    List<OrphanedSandbox> orphans = new ArrayList<>();
    byNameAndRoot.forEach(
        (key, containers) -> {
          String[] parts = key.split("\n", 2);
          orphans.add(
              new OrphanedSandbox(
                  parts[0],
                  parts[1],
                  containers.stream().map(Orphans::containerName).sorted().toList()));
        });
    return orphans;
  }

  /**
   * Removes the orphan's containers; its network and — unless {@code keepData} — its data volumes
   * and image store too, when no other container of that name remains (those belong to the living
   * sandbox of the same name).
   *
   * @return what was removed
   */
  public static List<String> remove(DockerClient docker, OrphanedSandbox orphan, boolean keepData) {
    List<String> removed = new ArrayList<>();
    for (Container container : DockerEngine.containers(docker, orphan.name())) {
      if (orphan.stateRoot().equals(container.getLabels().get(Labels.STATE_ROOT))
          && DockerEngine.removeContainer(docker, container)) {
        removed.add("container " + containerName(container));
      }
    }
    if (DockerEngine.containers(docker, orphan.name()).isEmpty()) {
      removed.addAll(DockerEngine.removeAll(docker, orphan.name(), keepData, keepData));
    }
    return removed;
  }

  /**
   * True when the state folder root {@code root} no longer exists on this machine; a path this
   * machine cannot even parse is not ours to judge (false).
   */
  public static boolean isGone(String root) {
    try {
      return !Files.isDirectory(Path.of(root));
    } catch (InvalidPathException e) {
      return false;
    }
  }

  private static String containerName(Container container) {
    String[] names = container.getNames();
    return names == null || names.length == 0
        ? container.getId().substring(0, 12)
        : names[0].replaceFirst("^/", "");
  }
}
