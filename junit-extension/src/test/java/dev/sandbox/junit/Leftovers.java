package dev.sandbox.junit;

import com.github.dockerjava.api.DockerClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.testcontainers.DockerClientFactory;

/** Containers, networks and volumes on the Docker engine whose sandbox name matches. */
final class Leftovers {

  private static final String LABEL = "dev.sandbox.name";

  private Leftovers() {}

  /** Every labelled container, network and volume whose sandbox name passes {@code names}. */
  static List<String> of(Predicate<String> names) {
    DockerClient docker = DockerClientFactory.instance().client();
    List<String> found = new ArrayList<>();
    docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(LABEL)).exec().stream()
        .filter(c -> names.test(c.getLabels().get(LABEL)))
        .forEach(c -> found.add("container " + c.getId() + " " + c.getLabels().get(LABEL)));
    docker.listNetworksCmd().withFilter("label", List.of(LABEL)).exec().stream()
        .filter(n -> names.test(n.getLabels().get(LABEL)))
        .forEach(n -> found.add("network " + n.getName()));
    List<com.github.dockerjava.api.command.InspectVolumeResponse> volumes =
        docker.listVolumesCmd().withFilter("label", List.of(LABEL)).exec().getVolumes();
    Objects.requireNonNullElse(
            volumes, List.<com.github.dockerjava.api.command.InspectVolumeResponse>of())
        .stream()
        .filter(v -> names.test(Map.copyOf(v.getLabels()).get(LABEL)))
        .forEach(v -> found.add("volume " + v.getName()));
    return found;
  }

  /** Names of the stack {@code stack}'s throwaway sandboxes: the stack name plus a run suffix. */
  static Predicate<String> throwawayOf(String stack) {
    return name ->
        name != null && name.matches(java.util.regex.Pattern.quote(stack) + "-[a-z0-9]{6}");
  }
}
