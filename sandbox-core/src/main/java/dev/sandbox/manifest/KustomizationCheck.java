package dev.sandbox.manifest;

import static dev.sandbox.manifest.YamlNodes.at;
import static dev.sandbox.manifest.YamlNodes.describe;
import static dev.sandbox.manifest.YamlNodes.documents;
import static dev.sandbox.manifest.YamlNodes.failure;
import static dev.sandbox.manifest.YamlNodes.isEmpty;
import static dev.sandbox.manifest.YamlNodes.list;
import static dev.sandbox.manifest.YamlNodes.value;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Checks a kustomization folder before anything starts: its file parses, every local resource,
 * base, component, patch and generator file it names exists, remote bases are refused, and no chain
 * of folders refers back to itself. It is only checked, not rendered: the kustomize inside the k3s
 * node renders it when the manifests are applied.
 */
final class KustomizationCheck {

  private static final Set<String> FOLDER_KEYS = Set.of("resources", "bases", "components");

  private KustomizationCheck() {}

  static void check(Path dir, Deque<Path> chain, ManifestLoader loader) {
    Path real;
    try {
      real = dir.toRealPath();
    } catch (IOException e) {
      throw failure(dir, "").at(0, 0, "cannot be resolved (" + e.getMessage() + ").");
    }
    if (chain.contains(real)) {
      StringBuilder cycle = new StringBuilder();
      for (Path step : chain) {
        cycle.append(step).append(" -> ");
      }
      throw failure(dir, "")
          .at(
              0,
              0,
              "kustomization cycle: " + cycle + real + ". A kustomization cannot include itself.");
    }
    chain.addLast(real);
    Path file =
        ManifestLoader.KUSTOMIZATION_FILES.stream()
            .map(dir::resolve)
            .filter(Files::isRegularFile)
            .findFirst()
            .orElseThrow();
    String text = YamlInput.read(file, YamlInput.FILE_LIMIT, failure(file, ""));
    List<Node> documents = documents(file, text);
    Node root = documents.isEmpty() ? null : documents.get(0);
    if (root == null || isEmpty(root)) {
      throw failure(file, "")
          .at(1, 1, "the kustomization is empty; list its files under 'resources:'.");
    }
    if (!(root instanceof MappingNode map)) {
      throw at(file, "", root, "expected a kustomization (a mapping), found " + describe(root));
    }
    for (NodeTuple tuple : map.getValue()) {
      String key = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : "";
      Node value = tuple.getValueNode();
      if (key.equals("helmCharts") || key.equals("helmChartInflationGenerator")) {
        throw at(file, key, value, helmCharts(dir, file, value));
      }
      if (FOLDER_KEYS.contains(key) || key.equals("patchesStrategicMerge")) {
        List<Node> items = list(file, key, value);
        for (int i = 0; i < items.size(); i++) {
          reference(
              dir,
              file,
              key + "[" + i + "]",
              items.get(i),
              chain,
              loader,
              !key.equals("patchesStrategicMerge"));
        }
      } else if (key.equals("patches") || key.equals("patchesJson6902")) {
        List<Node> items = list(file, key, value);
        for (int i = 0; i < items.size(); i++) {
          if (items.get(i) instanceof MappingNode patch && value(patch, "path") != null) {
            reference(
                dir, file, key + "[" + i + "].path", value(patch, "path"), chain, loader, false);
          }
        }
      } else if (key.equals("configMapGenerator") || key.equals("secretGenerator")) {
        List<Node> generators = list(file, key, value);
        for (int i = 0; i < generators.size(); i++) {
          if (!(generators.get(i) instanceof MappingNode generator)) {
            continue;
          }
          for (String sources : List.of("files", "envs")) {
            Node node = value(generator, sources);
            if (node == null) {
              continue;
            }
            List<Node> entries = list(file, key + "[" + i + "]." + sources, node);
            for (int j = 0; j < entries.size(); j++) {
              reference(
                  dir,
                  file,
                  key + "[" + i + "]." + sources + "[" + j + "]",
                  entries.get(j),
                  chain,
                  loader,
                  false);
            }
          }
        }
      }
    }
    chain.removeLast();
  }

  /**
   * A path a kustomization names: it must exist; folders must be kustomizations themselves
   * (kustomize requires that), files under {@code resources} must be manifests.
   */
  private static void reference(
      Path dir,
      Path kustomization,
      String key,
      Node node,
      Deque<Path> chain,
      ManifestLoader loader,
      boolean resource) {
    if (!(node instanceof ScalarNode scalar)) {
      throw at(kustomization, key, node, "expected a path, found " + describe(node) + ".");
    }
    String value = scalar.getValue().strip();
    if (value.contains("\n") || remote(value)) {
      return; // an inline patch, or a remote base kustomize fetches itself
    }
    String relative =
        value.contains("=") && key.contains(".files[")
            ? value.substring(value.indexOf('=') + 1)
            : value;
    Path target = dir.resolve(relative).normalize();
    if (Files.isSymbolicLink(target)) {
      Optional<String> problem = YamlInput.symlinkProblem(target);
      if (problem.isPresent()) {
        throw at(kustomization, key, node, "'" + value + "' " + problem.get());
      }
    }
    if (!Files.exists(target)) {
      throw at(
          kustomization,
          key,
          node,
          "'"
              + value
              + "' does not exist (looked at "
              + target
              + "). Paths in a kustomization are relative to its folder.");
    }
    if (!resource) {
      return;
    }
    if (Files.isDirectory(target)) {
      if (!ManifestLoader.isKustomization(target)) {
        throw at(
            kustomization,
            key,
            node,
            "'"
                + value
                + "' is a folder without a kustomization.yaml; kustomize only reads folders that have one.");
      }
      check(target, chain, loader);
    } else {
      Preflight.manifestFile(target, loader);
    }
  }

  /**
   * kustomize inflates charts only with {@code --enable-helm} and a {@code helm} binary, neither of
   * which the sandbox uses; the message gives the stack-file form of the same charts.
   */
  static String helmCharts(Path dir, Path file, Node value) {
    StringBuilder snippet = new StringBuilder("manifests:\n  helm:\n");
    Path stackFolder = dir.toAbsolutePath().normalize();
    if (value instanceof org.snakeyaml.engine.v2.nodes.SequenceNode charts) {
      for (Node chart : charts.getValue()) {
        if (!(chart instanceof MappingNode map)) {
          continue;
        }
        String name = text(value(map, "name"), "CHART");
        String home = text(value(map, "chartHome"), "charts");
        snippet
            .append("    - release: ")
            .append(text(value(map, "releaseName"), name))
            .append("\n      chart: ")
            .append(relative(dir.resolve(home).resolve(name), stackFolder))
            .append('\n');
        if (value(map, "namespace") != null) {
          snippet
              .append("      namespace: ")
              .append(text(value(map, "namespace"), ""))
              .append('\n');
        }
        if (value(map, "valuesFile") != null) {
          snippet
              .append("      values: [")
              .append(relative(dir.resolve(text(value(map, "valuesFile"), "")), stackFolder))
              .append("]\n");
        }
      }
    }
    return "kustomize inflates Helm charts only with --enable-helm and a helm binary, which the"
        + " sandbox does not use. It renders charts itself: keep the other resources in the"
        + " kustomization, drop helmCharts:, and declare the charts in the stack file (below,"
        + " paths are relative to "
        + stackFolder
        + "; in the stack file they are relative to its folder; fetch a repository's chart"
        + " once with `helm pull --untar` into the folder named; valuesInline goes into a"
        + " values file):\n"
        + snippet.toString().stripTrailing();
  }

  private static String text(Node node, String otherwise) {
    return node instanceof ScalarNode scalar && !scalar.getValue().isBlank()
        ? scalar.getValue().strip()
        : otherwise;
  }

  private static String relative(Path target, Path folder) {
    try {
      return folder.relativize(target.toAbsolutePath().normalize()).toString();
    } catch (IllegalArgumentException e) {
      return target.toString();
    }
  }

  private static boolean remote(String value) {
    return value.contains("://")
        || value.startsWith("github.com/")
        || value.startsWith("git@")
        || value.contains("?ref=");
  }
}
