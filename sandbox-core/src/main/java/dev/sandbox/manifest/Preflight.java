package dev.sandbox.manifest;

import static dev.sandbox.manifest.YamlNodes.at;
import static dev.sandbox.manifest.YamlNodes.describe;
import static dev.sandbox.manifest.YamlNodes.documents;
import static dev.sandbox.manifest.YamlNodes.failure;
import static dev.sandbox.manifest.YamlNodes.isEmpty;
import static dev.sandbox.manifest.YamlNodes.list;
import static dev.sandbox.manifest.YamlNodes.scalar;
import static dev.sandbox.manifest.YamlNodes.value;

import dev.sandbox.ImageMap;
import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads and validates every file a stack names — manifests, kustomization folders, the team's
 * policy files and alerting rules — before any container starts, so that a typo costs a second, not
 * the minute and a half the cluster needs to come up.
 *
 * <p>Each problem is a {@link SandboxException.ManifestApply} whose message starts with {@code
 * file:line:column: document n:} where those are known. Kustomizations are only checked, not
 * rendered: the kustomize inside the k3s node still renders them when the manifests are applied.
 */
public final class Preflight {

  private Preflight() {}

  /**
   * Checks the files {@code up} and {@code apply} will read for {@code stack}.
   *
   * @throws SandboxException.ManifestApply naming the file, line and document of the first problem
   */
  public static void check(Stack stack) {
    ManifestLoader loader = new ManifestLoader(Set.of(), ImageMap.empty(), dir -> "");
    for (Path path : stack.manifests().paths()) {
      manifests(path, "manifests.paths", loader);
    }
    for (Stack.TargetedPath source : stack.manifests().targeted()) {
      manifests(source.path(), source.declaredAt(), loader);
    }
    for (Stack.HelmRelease release : stack.manifests().helm()) {
      // rendered, not just read: a template error costs a second here, not a cluster start
      loader.loadRelease(release, HelmCharts.kubeVersion(stack));
    }
    for (Path path : stack.policies().custom()) {
      manifests(path, "policies.custom", loader);
    }
    if (stack.monitoring().enabled()) {
      for (Path path : stack.monitoring().rules()) {
        rules(path);
      }
    }
  }

  private static void manifests(Path path, String key, ManifestLoader loader) {
    linkProblem(path);
    if (Files.isDirectory(path)) {
      if (ManifestLoader.isKustomization(path)) {
        KustomizationCheck.check(path, new ArrayDeque<>(), loader);
        return;
      }
      List<Path> files = folder(path);
      if (files.isEmpty()) {
        throw failure(path, "")
            .at(
                0,
                0,
                "the folder has no YAML files (*.yaml, *.yml, *.json; sub-folders are not read)."
                    + " Point "
                    + key
                    + " at the files, or add a kustomization.yaml.");
      }
      for (Path file : files) {
        manifestFile(file, loader);
      }
    } else {
      manifestFile(path, loader);
    }
  }

  /** The manifest files of a plain folder, as {@link ManifestLoader} lists them. */
  private static List<Path> folder(Path dir) {
    List<Path> entries;
    try (Stream<Path> list = Files.list(dir)) {
      entries =
          list.filter(f -> f.getFileName().toString().matches(".*\\.(ya?ml|json)$"))
              .sorted()
              .collect(Collectors.toList());
    } catch (IOException e) {
      throw failure(dir, "").at(0, 0, "cannot be listed (" + e.getMessage() + ").");
    }
    List<Path> files = new ArrayList<>();
    for (Path entry : entries) {
      linkProblem(entry);
      if (Files.isRegularFile(entry)) {
        files.add(entry);
      }
    }
    return files;
  }

  private static void linkProblem(Path path) {
    if (Files.isSymbolicLink(path)) {
      Optional<String> problem = YamlInput.symlinkProblem(path);
      if (problem.isPresent()) {
        throw failure(path, "").at(0, 0, problem.get());
      }
    }
  }

  static void manifestFile(Path file, ManifestLoader loader) {
    String text = YamlInput.read(file, YamlInput.FILE_LIMIT, failure(file, ""));
    List<Node> documents = documents(file, text);
    for (int i = 0; i < documents.size(); i++) {
      Node document = documents.get(i);
      if (isEmpty(document)) {
        continue;
      }
      String where = "document " + (i + 1);
      MappingNode map = object(file, where, document);
      if ("List".equals(scalar(map, "kind"))) {
        Node items = value(map, "items");
        if (items instanceof SequenceNode list) {
          for (int j = 0; j < list.getValue().size(); j++) {
            object(file, where + ", items[" + j + "]", list.getValue().get(j));
          }
        }
      }
    }
    loader.parse(file.toString(), text); // what is left: object shapes the API types reject
  }

  /** A Kubernetes object: a mapping with apiVersion, kind and metadata.name. */
  private static MappingNode object(Path file, String where, Node node) {
    if (!(node instanceof MappingNode map)) {
      throw at(
          file,
          where,
          node,
          "not a Kubernetes object: expected a mapping with apiVersion, kind and metadata, found "
              + describe(node)
              + ". Fix or remove it.");
    }
    for (String key : List.of("apiVersion", "kind")) {
      String value = scalar(map, key);
      if (value == null || value.isBlank()) {
        throw at(
            file,
            where,
            value(map, key) == null ? node : value(map, key),
            key
                + " is "
                + (value(map, key) == null ? "missing" : "empty")
                + "; every Kubernetes object needs apiVersion, kind and metadata.name.");
      }
    }
    if ("List".equals(scalar(map, "kind"))) {
      return map;
    }
    Node metadata = value(map, "metadata");
    String name = metadata instanceof MappingNode meta ? scalar(meta, "name") : null;
    if (name == null || name.isBlank()) {
      throw at(
          file,
          where + " (" + scalar(map, "kind") + ")",
          metadata == null ? node : metadata,
          "metadata.name is missing; server-side apply needs a name for every object"
              + " (generateName is not enough).");
    }
    return map;
  }

  private static void rules(Path file) {
    String text = YamlInput.read(file, YamlInput.FILE_LIMIT, failure(file, ""));
    List<Node> documents = documents(file, text);
    int rules = 0;
    for (int i = 0; i < documents.size(); i++) {
      Node document = documents.get(i);
      if (isEmpty(document)) {
        continue;
      }
      String where = "document " + (i + 1);
      Node groups = document instanceof MappingNode map ? value(map, "groups") : null;
      if (document instanceof MappingNode map
          && "PrometheusRule".equals(scalar(map, "kind"))
          && value(map, "spec") instanceof MappingNode spec) {
        groups = value(spec, "groups");
      }
      if (groups == null) {
        throw at(
            file,
            where,
            document,
            "neither a rule file (groups:) nor a PrometheusRule (spec.groups). Fix monitoring.rules.");
      }
      List<Node> groupList = list(file, where + ": groups", groups);
      for (int g = 0; g < groupList.size(); g++) {
        String groupWhere = where + ": groups[" + g + "]";
        if (!(groupList.get(g) instanceof MappingNode group)) {
          throw at(
              file,
              groupWhere,
              groupList.get(g),
              "expected a group with name and rules, found " + describe(groupList.get(g)) + ".");
        }
        String name = scalar(group, "name");
        if (name == null || name.isBlank()) {
          throw at(file, groupWhere, group, "the group has no name; Prometheus needs one.");
        }
        Node ruleNode = value(group, "rules");
        List<Node> ruleList =
            ruleNode == null ? List.of() : list(file, groupWhere + ".rules", ruleNode);
        for (int r = 0; r < ruleList.size(); r++) {
          rule(file, groupWhere + ".rules[" + r + "]", ruleList.get(r));
        }
        rules += ruleList.size();
      }
    }
    if (rules == 0) {
      throw failure(file, "")
          .at(
              0,
              0,
              "has no rules (no group lists any). Add alerting or recording rules, or remove the"
                  + " file from monitoring.rules.");
    }
  }

  private static void rule(Path file, String where, Node node) {
    if (!(node instanceof MappingNode rule)) {
      throw at(
          file,
          where,
          node,
          "expected a rule (alert or record, and expr), found " + describe(node) + ".");
    }
    boolean alert = scalar(rule, "alert") != null;
    boolean record = scalar(rule, "record") != null;
    if (alert == record) {
      throw at(
          file,
          where,
          node,
          alert
              ? "a rule is either an alert or a record, not both."
              : "the rule has neither 'alert' nor 'record'; Prometheus needs one of them.");
    }
    String expr = scalar(rule, "expr");
    if (expr == null || expr.isBlank()) {
      throw at(
          file, where, node, "the rule has no 'expr'; Prometheus needs the query to evaluate.");
    }
  }
}
