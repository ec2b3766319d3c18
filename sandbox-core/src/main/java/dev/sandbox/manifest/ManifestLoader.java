package dev.sandbox.manifest;

import dev.sandbox.ImageMap;
import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads production manifests as {@code kubectl apply -f} would — single files, multi-document YAML,
 * directories (files sorted by name, not recursive) and kustomization directories (rendered by the
 * given renderer, the kustomize inside k3s) — drops the kinds the sandbox stands in for, rewrites
 * images through the image map, and orders the result: Namespaces, CRDs, policies, the rest.
 * Internal.
 */
public final class ManifestLoader {

  static final Set<String> POLICY_KINDS =
      Set.of(
          "NetworkPolicy",
          "ValidatingAdmissionPolicy",
          "ValidatingAdmissionPolicyBinding",
          "MutatingAdmissionPolicy",
          "MutatingAdmissionPolicyBinding");
  static final Set<String> KUSTOMIZATION_FILES =
      Set.of("kustomization.yaml", "kustomization.yml", "Kustomization");

  private final KubernetesSerialization serialization = new KubernetesSerialization();
  private final Set<String> excludeKinds;
  private final ImageMap imageMap;
  private final Function<Path, String> kustomize;

  /**
   * @param kustomize renders a kustomization directory to multi-document YAML
   */
  public ManifestLoader(
      Set<String> excludeKinds, ImageMap imageMap, Function<Path, String> kustomize) {
    this.excludeKinds = Set.copyOf(excludeKinds);
    this.imageMap = imageMap;
    this.kustomize = kustomize;
  }

  /** Loads, filters, rewrites and orders every manifest under {@code paths}. */
  public List<Manifest> load(List<Path> paths) {
    List<Manifest> all = new ArrayList<>();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        if (isKustomization(path)) {
          all.addAll(parse(path.toString(), kustomize.apply(path)));
        } else {
          for (Path file : manifestFiles(path)) {
            all.addAll(parse(file.toString(), read(file)));
          }
        }
      } else {
        all.addAll(parse(path.toString(), read(path)));
      }
    }
    List<Manifest> kept = new ArrayList<>();
    for (Manifest manifest : all) {
      if (!excludeKinds.contains(manifest.kind())) {
        kept.add(rewritten(manifest));
      }
    }
    kept.sort(Comparator.comparingInt(ManifestLoader::rank));
    return kept;
  }

  /**
   * Renders a Helm release for a cluster of {@code kubeVersion} (v1.34.4) and treats its objects as
   * any manifest's: excluded kinds dropped, images rewritten. Objects keep the release's order
   * (hooks around the rest), not the rank order of {@link #load}: Apply puts Namespaces and CRDs
   * first anyway.
   */
  public HelmCharts.Rendered loadRelease(Stack.HelmRelease release, String kubeVersion) {
    HelmCharts.Rendered rendered = HelmCharts.render(release, kubeVersion, this::parse);
    List<Manifest> kept = new ArrayList<>();
    for (Manifest manifest : rendered.objects()) {
      if (!excludeKinds.contains(manifest.kind())) {
        kept.add(rewritten(manifest));
      }
    }
    return new HelmCharts.Rendered(kept, rendered.skipped());
  }

  public static boolean isKustomization(Path dir) {
    return KUSTOMIZATION_FILES.stream().anyMatch(name -> Files.isRegularFile(dir.resolve(name)));
  }

  static int rank(Manifest manifest) {
    String kind = manifest.kind();
    if (kind.equals("Namespace")) {
      return 0;
    }
    if (kind.equals("CustomResourceDefinition")) {
      return 1;
    }
    if (POLICY_KINDS.contains(kind)) {
      return 2;
    }
    return 3;
  }

  private static List<Path> manifestFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> f.getFileName().toString().matches(".*\\.(ya?ml|json)$"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new SandboxException.ManifestApply("Cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String read(Path file) {
    return YamlInput.read(file, YamlInput.FILE_LIMIT, YamlNodes.failure(file, ""));
  }

  /**
   * Parses YAML text that does not come from a file (policy packs); no filtering, images rewritten.
   */
  public List<Manifest> parseText(String source, String text) {
    return parse(source, text).stream().map(this::rewritten).toList();
  }

  /** The object with its images rewritten, keeping a copy as written for the policies to judge. */
  private Manifest rewritten(Manifest manifest) {
    GenericKubernetesResource written = serialization.clone(manifest.resource());
    rewriteImages(manifest.resource().getAdditionalProperties());
    return new Manifest(manifest.source(), manifest.index(), manifest.resource(), written);
  }

  List<Manifest> parse(String source, String text) {
    List<Manifest> result = new ArrayList<>();
    int index = 0;
    try {
      for (Object document :
          new Load(YamlInput.settings(source, text, false)).loadAllFromString(text)) {
        int current = index++;
        if (document == null) {
          continue;
        }
        if (!(document instanceof Map<?, ?> map)
            || !map.containsKey("kind")
            || !map.containsKey("apiVersion")) {
          throw new SandboxException.ManifestApply(
              source
                  + ": document "
                  + (current + 1)
                  + ": not a Kubernetes object (it needs apiVersion and kind). Fix or remove it.",
              null);
        }
        if ("List".equals(map.get("kind")) && map.get("items") instanceof List<?> items) {
          for (Object item : items) {
            result.add(new Manifest(source, current, convert(source, current, item)));
          }
          continue;
        }
        result.add(new Manifest(source, current, convert(source, current, map)));
      }
    } catch (MarkedYamlEngineException e) {
      // the failing document is the one after those read so far; documents count from 1
      throw new SandboxException.ManifestApply(YamlNodes.syntaxError(source, index + 1, e), e);
    } catch (YamlEngineException e) {
      throw new SandboxException.ManifestApply(
          source
              + ": document "
              + (index + 1)
              + ": not valid YAML: "
              + e.getMessage().replace('\n', ' '),
          e);
    }
    return result;
  }

  private GenericKubernetesResource convert(String source, int index, Object document) {
    try {
      return serialization.convertValue(document, GenericKubernetesResource.class);
    } catch (IllegalArgumentException e) {
      String reason = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      throw new SandboxException.ManifestApply(
          source
              + ": document "
              + (index + 1)
              + ": does not fit a Kubernetes object ("
              + reason.replaceAll("\\(through reference chain.*", "").strip()
              + "). Check the types of metadata fields.",
          e);
    }
  }

  /**
   * Rewrites {@code image} of every container, init container and ephemeral container, at any
   * depth.
   */
  @SuppressWarnings("unchecked")
  void rewriteImages(Object node) {
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        Object key = entry.getKey();
        if (("containers".equals(key)
                || "initContainers".equals(key)
                || "ephemeralContainers".equals(key))
            && entry.getValue() instanceof List<?> containers) {
          for (Object container : containers) {
            if (container instanceof Map<?, ?> c && c.get("image") instanceof String image) {
              ((Map<String, Object>) c).put("image", imageMap.apply(image));
            }
          }
        } else {
          rewriteImages(entry.getValue());
        }
      }
    } else if (node instanceof List<?> list) {
      list.forEach(this::rewriteImages);
    }
  }
}
