package dev.sandbox.manifest;

import dev.sandbox.ImageMap;
import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
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

  private static final Set<String> FOLDER_KEYS = Set.of("resources", "bases", "components");

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
        kustomization(path, new ArrayDeque<>(), loader);
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

  private static void manifestFile(Path file, ManifestLoader loader) {
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

  private static void kustomization(Path dir, Deque<Path> chain, ManifestLoader loader) {
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
      kustomization(target, chain, loader);
    } else {
      manifestFile(target, loader);
    }
  }

  private static boolean remote(String value) {
    return value.contains("://")
        || value.startsWith("github.com/")
        || value.startsWith("git@")
        || value.contains("?ref=");
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

  /**
   * Every document of {@code text} as a node tree; syntax errors, duplicate keys and unknown tags
   * are reported with their position and 1-based document number.
   */
  private static List<Node> documents(Path file, String text) {
    String source = file.toString();
    List<Node> documents = new ArrayList<>();
    try {
      for (Node node :
          new Compose(YamlInput.settings(source, text, false)).composeAllFromString(text)) {
        documents.add(node);
      }
    } catch (MarkedYamlEngineException e) {
      throw new SandboxException.ManifestApply(syntaxError(source, documents.size() + 1, e), null);
    } catch (YamlEngineException e) {
      throw new SandboxException.ManifestApply(
          source
              + ": document "
              + (documents.size() + 1)
              + ": not valid YAML: "
              + e.getMessage().replace('\n', ' '),
          null);
    }
    int constructed = 0;
    try {
      // composing accepts duplicate keys and unknown tags; constructing, as the loaders do, rejects
      for (Object ignored :
          new Load(YamlInput.settings(source, text, false)).loadAllFromString(text)) {
        constructed++;
      }
    } catch (MarkedYamlEngineException e) {
      throw new SandboxException.ManifestApply(syntaxError(source, constructed + 1, e), null);
    } catch (YamlEngineException e) {
      throw new SandboxException.ManifestApply(
          source + ": document " + (constructed + 1) + ": " + e.getMessage().replace('\n', ' '),
          null);
    }
    return documents;
  }

  /** {@code file:line:column: document n: not valid YAML: problem.} */
  static String syntaxError(String source, int document, MarkedYamlEngineException e) {
    Mark mark = e.getProblemMark().or(e::getContextMark).orElse(null);
    String problem = e.getProblem() == null ? "invalid YAML" : e.getProblem();
    String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
    return location(
            source, mark == null ? 0 : mark.getLine() + 1, mark == null ? 0 : mark.getColumn() + 1)
        + "document "
        + document
        + ": not valid YAML: "
        + problem
        + context
        + ". Check indentation and quoting around this spot.";
  }

  /** Builds {@link SandboxException.ManifestApply} for a problem in {@code file}. */
  static YamlInput.Failure failure(Path file, String where) {
    return (line, column, problem) ->
        new SandboxException.ManifestApply(
            location(file.toString(), line, column)
                + (where.isEmpty() ? "" : where + ": ")
                + problem,
            null);
  }

  private static SandboxException at(Path file, String where, Node node, String problem) {
    Optional<Mark> mark = node.getStartMark();
    return (SandboxException)
        failure(file, where)
            .at(
                mark.map(m -> m.getLine() + 1).orElse(0),
                mark.map(m -> m.getColumn() + 1).orElse(0),
                problem);
  }

  private static String location(String source, int line, int column) {
    StringBuilder text = new StringBuilder(source);
    if (line > 0) {
      text.append(':').append(line);
      if (column > 0) {
        text.append(':').append(column);
      }
    }
    return text.append(": ").toString();
  }

  private static List<Node> list(Path file, String where, Node node) {
    if (node instanceof SequenceNode sequence) {
      return sequence.getValue();
    }
    if (isEmpty(node)) {
      return List.of();
    }
    throw at(file, where, node, "expected a list, found " + describe(node) + ".");
  }

  private static Node value(MappingNode map, String key) {
    for (NodeTuple tuple : map.getValue()) {
      if (tuple.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
        return tuple.getValueNode();
      }
    }
    return null;
  }

  /** The scalar value at {@code key}, or null when absent or not a scalar. */
  private static String scalar(MappingNode map, String key) {
    return value(map, key) instanceof ScalarNode s && !isEmpty(s) ? s.getValue() : null;
  }

  private static boolean isEmpty(Node node) {
    return node instanceof ScalarNode s
        && s.getValue().isEmpty()
        && s.getTag().getValue().endsWith(":null");
  }

  private static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    String value = ((ScalarNode) node).getValue();
    return value.isEmpty()
        ? "nothing"
        : "'" + (value.length() > 40 ? value.substring(0, 40) + "…" : value) + "'";
  }
}
