package dev.sandbox.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.exceptions.Mark;

/**
 * Reads {@code manifests.helm}: a list of releases, each a chart with production values. Every
 * mistake is reported at its own line and column of the stack file.
 */
final class HelmReleases {

  static final List<String> KEYS =
      List.of("release", "chart", "version", "namespace", "values", "set");

  /** Helm's own rule for release names: a DNS-1123 label of at most 53 characters. */
  private static final Pattern RELEASE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?");

  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** A {@code --set} key: dotted names, list indexes and escaped dots, as Helm's strvals parses. */
  private static final Pattern SET_KEY = Pattern.compile("[A-Za-z0-9_\\-.\\[\\]\\\\]+");

  private HelmReleases() {}

  /** The releases of {@code entry} (absent when an older default stack lacks the key). */
  static List<Stack.HelmRelease> read(YamlTree.Entry entry, Path baseDir) {
    if (entry == null) {
      return List.of();
    }
    List<Stack.HelmRelease> result = new ArrayList<>();
    Map<String, YamlTree.Entry> seen = new LinkedHashMap<>();
    for (YamlTree.Entry item : entry.sequence("Helm releases (release, chart, values, ...)")) {
      Map<String, YamlTree.Entry> keys = item.mapping(KEYS);
      YamlTree.Entry releaseEntry = required(item, keys, "release", "the release name");
      String release = releaseEntry.nonBlank("a release name such as orders");
      if (!RELEASE.matcher(release).matches()) {
        throw releaseEntry.error(
            "'"
                + release
                + "' is not a valid release name: use lower-case letters, digits and '-' (at most"
                + " 53, starting and ending with a letter or digit), as Helm requires.");
      }
      String namespace = "default";
      if (keys.get("namespace") != null) {
        namespace = keys.get("namespace").nonBlank("a namespace");
        if (!NAMESPACE.matcher(namespace).matches()) {
          throw keys.get("namespace")
              .error("'" + namespace + "' is not a valid namespace name (a DNS-1123 label).");
        }
      }
      YamlTree.Entry previous = seen.put(namespace + "/" + release, releaseEntry);
      if (previous != null) {
        throw releaseEntry.error(
            "release '"
                + release
                + "' in namespace "
                + namespace
                + " is already declared on line "
                + line(previous)
                + ". Give each release its own name.");
      }
      YamlTree.Entry chartEntry = required(item, keys, "chart", "the chart");
      String chart = chartEntry.nonBlank("a chart folder, a .tgz or an oci:// reference");
      Optional<Path> chartPath = Optional.empty();
      Optional<String> version =
          keys.get("version") == null
              ? Optional.empty()
              : Optional.of(keys.get("version").nonBlank("a chart version such as 1.4.2"));
      if (chart.startsWith("oci://")) {
        if (version.isEmpty()) {
          throw chartEntry.error(
              "an oci:// chart needs a version (add version: beside chart:), so that every run"
                  + " renders the same chart.");
        }
      } else if (chart.matches("[a-z]+://.*")) {
        throw chartEntry.error(
            "'"
                + chart
                + "': charts are read from a folder, a .tgz or an oci:// registry. For a chart"
                + " repository, fetch the chart once (helm pull NAME --repo URL --version V) and"
                + " point chart: at the .tgz.");
      } else {
        Path path = ManifestsSection.path(chartEntry, chart, baseDir);
        boolean folder = Files.isDirectory(path);
        if (folder && !Files.isRegularFile(path.resolve("Chart.yaml"))) {
          throw chartEntry.error(
              "'"
                  + chart
                  + "' is a folder without a Chart.yaml (looked at "
                  + path
                  + "). Point chart: at the chart's own folder.");
        }
        if (!folder && !path.getFileName().toString().matches(".*\\.(tgz|tar\\.gz)$")) {
          throw chartEntry.error(
              "'" + chart + "' is neither a chart folder nor a packaged chart (.tgz).");
        }
        if (version.isPresent()) {
          throw keys.get("version")
              .error(
                  "version: only applies to an oci:// chart; a local chart's version is its"
                      + " Chart.yaml's. Remove it.");
        }
        chartPath = Optional.of(path);
      }
      List<Path> values = new ArrayList<>();
      if (keys.get("values") != null) {
        for (YamlTree.Entry file : keys.get("values").sequence("values files")) {
          Path path = ManifestsSection.path(file, file.nonBlank("a values file"), baseDir);
          if (!Files.isRegularFile(path)) {
            throw file.error("'" + file.string() + "' is not a file (looked at " + path + ").");
          }
          values.add(path);
        }
      }
      Map<String, String> set = new LinkedHashMap<>();
      if (keys.get("set") != null) {
        keys.get("set")
            .freeMapping("value paths to values (image.tag: 1.4.2)")
            .forEach(
                (key, value) -> {
                  if (!SET_KEY.matcher(key).matches()) {
                    throw value.error(
                        "'" + key + "' is not a value path; expected for example image.tag.");
                  }
                  set.put(key, value.string());
                });
      }
      result.add(
          new Stack.HelmRelease(
              release,
              chart,
              chartPath,
              version,
              namespace,
              values,
              Optional.empty(),
              set,
              file(releaseEntry) + ":" + line(releaseEntry)));
    }
    return result;
  }

  private static YamlTree.Entry required(
      YamlTree.Entry item, Map<String, YamlTree.Entry> keys, String key, String what) {
    YamlTree.Entry value = keys.get(key);
    if (value == null) {
      throw item.error("a Helm release needs '" + key + "' (" + what + ").");
    }
    return value;
  }

  private static int line(YamlTree.Entry entry) {
    return entry.node().getStartMark().map(m -> m.getLine() + 1).orElse(0);
  }

  private static String file(YamlTree.Entry entry) {
    return entry.node().getStartMark().map(Mark::getName).orElse("<stack>");
  }
}
