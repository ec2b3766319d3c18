package dev.sandbox.stack;

import dev.sandbox.StackFileException;
import dev.sandbox.manifest.YamlInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.constructor.StandardConstructor;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads {@code manifests.gitops}: files holding the objects a GitOps controller syncs from — Flux
 * {@code Kustomization} and {@code HelmRelease}, Argo CD {@code Application} — and turns each into
 * what the sandbox applies: the folder, kustomization or chart it points at in the working tree,
 * with its namespace and Helm values. Remote Git is not fetched: the repository is the working tree
 * the stack file lives in (the nearest folder above it holding {@code .git}). What the sandbox does
 * not do yet is an error at that key, not silently ignored.
 */
final class GitOpsSources {

  private static final Pattern DOCUMENT_START = Pattern.compile("(?m)^---\\s*$");

  private final List<Stack.TargetedPath> targeted = new ArrayList<>();
  private final List<Stack.HelmRelease> releases = new ArrayList<>();
  private final Path root;

  private GitOpsSources(Path root) {
    this.root = root;
  }

  /** The folders and releases of every GitOps file {@code entry} lists. */
  static GitOpsSources read(YamlTree.Entry entry, Path baseDir) {
    GitOpsSources sources = new GitOpsSources(repositoryRoot(baseDir));
    if (entry == null) {
      return sources;
    }
    for (YamlTree.Entry item : entry.sequence("Flux or Argo CD files")) {
      String value =
          item.nonBlank("a file holding Flux Kustomizations, HelmReleases or Argo CD Applications");
      Path file = baseDir.resolve(value).normalize();
      if (!Files.isRegularFile(file)) {
        throw item.error(
            "'"
                + value
                + "' is not a file (looked at "
                + file
                + "). Paths are relative to the stack"
                + " file's folder.");
      }
      sources.file(file);
    }
    return sources;
  }

  List<Stack.TargetedPath> targeted() {
    return targeted;
  }

  List<Stack.HelmRelease> releases() {
    return releases;
  }

  /** The nearest folder at or above {@code folder} that holds {@code .git}, else {@code folder}. */
  static Path repositoryRoot(Path folder) {
    for (Path at = folder.toAbsolutePath().normalize(); at != null; at = at.getParent()) {
      if (Files.exists(at.resolve(".git"))) {
        return at;
      }
    }
    return folder.toAbsolutePath().normalize();
  }

  private void file(Path file) {
    String label = file.toString();
    String text =
        YamlInput.read(
            file,
            YamlInput.FILE_LIMIT,
            (line, column, problem) -> new StackFileException(label, line, column, "", problem));
    int offset = 0;
    for (String chunk : DOCUMENT_START.split(text, -1)) {
      // composed on its own, with its lines where they are in the file
      String padded = "\n".repeat(offset) + chunk;
      offset +=
          (int) chunk.lines().count(); // the separator's line ends where the next chunk starts
      Optional<Node> node = YamlTree.compose(label, padded);
      if (node.isEmpty()) {
        continue;
      }
      YamlTree.Entry document = new YamlTree.Entry("", node.get());
      Map<String, YamlTree.Entry> top = document.freeMapping("a Kubernetes object");
      String apiVersion = text(top.get("apiVersion"));
      String kind = text(top.get("kind"));
      String name = text(nested(top, "metadata", "name"));
      String at = label + ":" + line(document) + " (" + kind + "/" + name + ")";
      if (apiVersion.startsWith("kustomize.toolkit.fluxcd.io/") && kind.equals("Kustomization")) {
        fluxKustomization(top, name, at);
      } else if (apiVersion.startsWith("helm.toolkit.fluxcd.io/") && kind.equals("HelmRelease")) {
        fluxHelmRelease(top, name, at);
      } else if (apiVersion.startsWith("argoproj.io/") && kind.equals("Application")) {
        argoApplication(top, name, at);
      } else {
        throw document.error(
            "not a GitOps source the sandbox reads ("
                + (kind.isEmpty() ? "no kind" : apiVersion + " " + kind)
                + "); it reads Flux Kustomization and HelmRelease and Argo CD Application."
                + " List plain manifests under manifests.paths.");
      }
    }
  }

  private void fluxKustomization(Map<String, YamlTree.Entry> top, String name, String at) {
    Map<String, YamlTree.Entry> spec = spec(top);
    refuse(
        spec,
        Set.of("patches", "images", "components", "postBuild", "namePrefix", "nameSuffix"),
        "the sandbox applies spec.path with spec.targetNamespace; move it into the kustomization"
            + " at spec.path");
    sourceKind(spec.get("sourceRef"), "GitRepository");
    Path path = inRepository(spec.get("path"), ".");
    String namespace =
        spec.get("targetNamespace") == null
            ? null
            : spec.get("targetNamespace").nonBlank("a namespace");
    // without targetNamespace, objects that name no namespace go to default, as kubectl puts them
    targeted.add(
        new Stack.TargetedPath(
            path, namespace != null ? namespace : "default", namespace != null, at));
  }

  private void fluxHelmRelease(Map<String, YamlTree.Entry> top, String name, String at) {
    Map<String, YamlTree.Entry> spec = spec(top);
    refuse(
        spec,
        Set.of("valuesFrom", "postRenderers"),
        "put the values into spec.values or a values file in the repository");
    YamlTree.Entry chartEntry = nested(spec, "chart", "spec");
    if (chartEntry == null) {
      throw (spec.get("chart") == null ? top.get("spec") : spec.get("chart"))
          .error(
              "a HelmRelease needs spec.chart.spec (chart and sourceRef); chartRef is not read.");
    }
    Map<String, YamlTree.Entry> chart = chartEntry.freeMapping("the chart");
    sourceKind(chart.get("sourceRef"), "GitRepository");
    Path chartPath = inRepository(chart.get("chart"), null);
    List<Path> values = new ArrayList<>();
    if (chart.get("valuesFiles") != null) {
      for (YamlTree.Entry file : chart.get("valuesFiles").sequence("values files")) {
        values.add(inRepository(file, null));
      }
    }
    String ownNamespace = text(nested(top, "metadata", "namespace"));
    String target = text(spec.get("targetNamespace"));
    String namespace =
        !target.isEmpty() ? target : ownNamespace.isEmpty() ? "default" : ownNamespace;
    String release =
        !text(spec.get("releaseName")).isEmpty()
            ? text(spec.get("releaseName"))
            : target.isEmpty() ? name : target + "-" + name;
    releases.add(
        new Stack.HelmRelease(
            release,
            root.relativize(chartPath).toString(),
            Optional.of(chartPath),
            Optional.empty(),
            namespace,
            values,
            Optional.ofNullable(spec.get("values")).map(GitOpsSources::yaml),
            Map.of(),
            at));
  }

  private void argoApplication(Map<String, YamlTree.Entry> top, String name, String at) {
    Map<String, YamlTree.Entry> spec = spec(top);
    if (spec.get("source") == null) {
      throw (spec.get("sources") != null ? spec.get("sources") : top.get("spec"))
          .error("an Application needs spec.source (one source; spec.sources is not read yet).");
    }
    Map<String, YamlTree.Entry> source = spec.get("source").freeMapping("the source");
    if (source.get("chart") != null) {
      throw source
          .get("chart")
          .error(
              "a chart from a Helm repository is not fetched; vendor the chart in the repository and"
                  + " point spec.source.path at it.");
    }
    refuse(source, Set.of("plugin"), "render it into the repository first");
    Path path = inRepository(source.get("path"), null);
    YamlTree.Entry destination = nested(spec, "destination", "namespace");
    String namespace = destination == null ? "default" : destination.nonBlank("a namespace");
    if (Files.isRegularFile(path.resolve("Chart.yaml"))) {
      Map<String, YamlTree.Entry> helm =
          source.get("helm") == null ? Map.of() : source.get("helm").freeMapping("Helm options");
      List<Path> values = new ArrayList<>();
      if (helm.get("valueFiles") != null) {
        for (YamlTree.Entry file : helm.get("valueFiles").sequence("values files")) {
          Path resolved = path.resolve(file.nonBlank("a values file")).normalize();
          if (!Files.isRegularFile(resolved)) {
            throw file.error("'" + file.string() + "' is not a file (looked at " + resolved + ").");
          }
          values.add(resolved);
        }
      }
      Optional<String> inline = Optional.empty();
      if (helm.get("valuesObject") != null) {
        inline = Optional.of(yaml(helm.get("valuesObject")));
      } else if (helm.get("values") != null) {
        inline = Optional.of(helm.get("values").string());
      }
      Map<String, String> set = new LinkedHashMap<>();
      if (helm.get("parameters") != null) {
        for (YamlTree.Entry parameter : helm.get("parameters").sequence("parameters")) {
          Map<String, YamlTree.Entry> pair = parameter.freeMapping("a parameter (name, value)");
          set.put(
              pair.get("name") == null ? "" : pair.get("name").nonBlank("a value path"),
              pair.get("value") == null ? "" : pair.get("value").string());
        }
      }
      String release = text(helm.get("releaseName"));
      releases.add(
          new Stack.HelmRelease(
              release.isEmpty() ? name : release,
              root.relativize(path).toString(),
              Optional.of(path),
              Optional.empty(),
              namespace,
              values,
              inline,
              set,
              at));
    } else {
      if (source.get("directory") != null) {
        YamlTree.Entry recurse = nested(source, "directory", "recurse");
        if (recurse != null && recurse.bool()) {
          throw recurse.error(
              "directory.recurse is not read yet: the sandbox applies the files of the folder"
                  + " itself, as manifests.paths does.");
        }
      }
      targeted.add(new Stack.TargetedPath(path, namespace, false, at));
    }
  }

  private static Map<String, YamlTree.Entry> spec(Map<String, YamlTree.Entry> top) {
    if (top.get("spec") == null) {
      throw top.values().iterator().next().error("the object has no spec.");
    }
    return top.get("spec").freeMapping("the spec");
  }

  private static void refuse(Map<String, YamlTree.Entry> spec, Set<String> keys, String instead) {
    for (String key : keys) {
      if (spec.get(key) != null) {
        throw spec.get(key).error(key + " is not applied by the sandbox yet: " + instead + ".");
      }
    }
  }

  private static void sourceKind(YamlTree.Entry sourceRef, String expected) {
    if (sourceRef == null) {
      return;
    }
    YamlTree.Entry kind = sourceRef.freeMapping("the source reference").get("kind");
    if (kind != null && !kind.string().equals(expected)) {
      throw kind.error(
          "a "
              + kind.string()
              + " source is not fetched; the sandbox reads the working tree, as for a "
              + expected
              + ". Vendor the chart or manifests into the repository and point at them.");
    }
  }

  /** A path of the source, relative to the repository's root; it must exist there. */
  private Path inRepository(YamlTree.Entry entry, String otherwise) {
    if (entry == null && otherwise == null) {
      throw new IllegalStateException("a required path is missing");
    }
    String value = entry == null ? otherwise : entry.nonBlank("a path in the repository");
    Path path = root.resolve(value.startsWith("/") ? value.substring(1) : value).normalize();
    if (!path.startsWith(root)) {
      throw entry.error("'" + value + "' leaves the repository (" + root + ").");
    }
    if (!Files.exists(path)) {
      throw entry.error(
          "'"
              + value
              + "' does not exist in the working tree (looked at "
              + path
              + "; the repository's root is "
              + root
              + ", the nearest folder above the stack file holding .git).");
    }
    return path;
  }

  private static YamlTree.Entry nested(Map<String, YamlTree.Entry> map, String key, String child) {
    YamlTree.Entry entry = map.get(key);
    if (entry == null || !(entry.node() instanceof MappingNode)) {
      return null;
    }
    return entry.freeMapping(key).get(child);
  }

  private static String text(YamlTree.Entry entry) {
    return entry == null ? "" : entry.string().strip();
  }

  private static int line(YamlTree.Entry entry) {
    return entry.node().getStartMark().map(Mark::getLine).orElse(0) + 1;
  }

  /** A mapping node written back as YAML, for Helm's values. */
  private static String yaml(YamlTree.Entry entry) {
    Object value =
        new StandardConstructor(LoadSettings.builder().build())
            .constructSingleDocument(Optional.of(entry.node()));
    return new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
        .dumpToString(value);
  }
}
