package dev.sandbox.stack;

import dev.sandbox.manifest.YamlInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads the {@code manifests} section: paths, Helm releases, GitOps sources and their options. */
final class ManifestsSection {

  private ManifestsSection() {}

  static Stack.Manifests read(YamlTree.Entry entry, Path baseDir) {
    Map<String, YamlTree.Entry> manifests =
        entry.mapping(List.of("paths", "helm", "gitops", "exclude-kinds", "stand-ins"));
    List<Path> paths = paths(manifests.get("paths"), baseDir, "manifest files or folders");
    Set<String> excludeKinds = new LinkedHashSet<>();
    for (YamlTree.Entry kind : manifests.get("exclude-kinds").sequence("Kubernetes kinds")) {
      String value = kind.nonBlank("a kind such as ExternalSecret");
      if (!value.matches("[A-Z][A-Za-z0-9]*")) {
        throw kind.error(
            "'"
                + value
                + "' is not a Kubernetes kind; kinds are CamelCase, for example ExternalSecret.");
      }
      excludeKinds.add(value);
    }

    // absent only when the default stack predates the key (an older stacks jar): the default
    String standIns =
        manifests.get("stand-ins") == null
            ? Stack.Manifests.STAND_INS.get(0)
            : StackLoader.oneOf(
                manifests.get("stand-ins"), Stack.Manifests.STAND_INS, "stand-ins choice");

    List<Stack.HelmRelease> releases =
        new ArrayList<>(HelmReleases.read(manifests.get("helm"), baseDir));
    GitOpsSources gitops = GitOpsSources.read(manifests.get("gitops"), baseDir);
    releases.addAll(gitops.releases());
    return new Stack.Manifests(paths, excludeKinds, standIns, releases, gitops.targeted());
  }

  static List<Path> paths(YamlTree.Entry entry, Path baseDir, String what) {
    List<Path> result = new ArrayList<>();
    for (YamlTree.Entry item : entry.sequence(what)) {
      result.add(path(item, item.nonBlank("a path relative to the stack file"), baseDir));
    }
    return result;
  }

  /**
   * {@code value} (what {@code entry} says) resolved against the stack file's folder: it must exist
   * and must not be a symbolic link loop or point nowhere; errors at {@code entry}.
   */
  static Path path(YamlTree.Entry entry, String value, Path baseDir) {
    Path path = baseDir.resolve(value).normalize();
    Optional<String> link = YamlInput.symlinkProblem(path);
    if (Files.isSymbolicLink(path) && link.isPresent()) {
      throw entry.error("'" + value + "' " + link.get());
    }
    if (!Files.exists(path)) {
      throw entry.error(
          "'"
              + value
              + "' does not exist (looked at "
              + path
              + "). Paths are relative to the stack file's folder.");
    }
    return path;
  }
}
