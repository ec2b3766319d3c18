package dev.sandbox.manifest;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Renders a Helm release in-process, as {@code helm template} would, with Helm's own Go code (the
 * helm-java native library): no {@code helm} binary on the host. The output is split per template
 * ({@code # Source:}), so every object and every error names the chart file it came from; hooks are
 * ordered as Helm runs them on install, and those Helm runs only on other occasions are listed as
 * skipped. Internal.
 */
public final class HelmCharts {

  /** Label on every object of a release: what {@code apply} removes when a render drops it. */
  public static final String RELEASE_LABEL = "sandbox.dev/helm-release";

  /**
   * Helm's own ownership annotations, so that a real {@code helm upgrade} can adopt the objects.
   */
  static final String RELEASE_NAME = "meta.helm.sh/release-name";

  static final String RELEASE_NAMESPACE = "meta.helm.sh/release-namespace";

  private static final String HOOK = HookTemplates.HOOK;
  private static final String HOOK_WEIGHT = "helm.sh/hook-weight";
  private static final Pattern SOURCE = Pattern.compile("(?m)^# Source: (.+)$");
  private static final Pattern DOCUMENT_START = Pattern.compile("(?m)^---\\s*$");

  /** Helm's native library is one process-wide Go runtime: one render at a time. */
  private static final Object NATIVE = new Object();

  private HelmCharts() {}

  /**
   * A release's objects, in the order Helm installs them: pre-install hooks (by weight), the
   * release's objects, post-install hooks.
   *
   * @param objects what to apply
   * @param skipped hooks Helm runs only on other occasions, each with why it is not applied
   */
  public record Rendered(List<Manifest> objects, List<String> skipped) {}

  /** The Kubernetes version of the stack's k3s (v1.34.4-k3s1 is v1.34.4), for .Capabilities. */
  public static String kubeVersion(Stack stack) {
    return stack.k3s().version().replaceAll("[-+]k3s\\d+$", "");
  }

  /** The release rendered for a cluster of {@code kubeVersion} (v1.34.4), objects parsed. */
  static Rendered render(
      Stack.HelmRelease release,
      String kubeVersion,
      BiFunction<String, String, List<Manifest>> parser) {
    String text = template(release, kubeVersion);
    List<Manifest> pre = new ArrayList<>();
    List<Manifest> main = new ArrayList<>();
    List<Manifest> post = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (Map.Entry<String, String> document : documents(text, release).entrySet()) {
      for (Manifest manifest : parser.apply(document.getKey(), document.getValue())) {
        mark(manifest, release);
        String hook = hook(manifest);
        if (hook.isEmpty()) {
          main.add(manifest);
        } else if (hook.contains("pre-install")) {
          pre.add(manifest);
        } else if (hook.contains("post-install")) {
          post.add(manifest);
        } else {
          skipped.add(
              manifest.displayName()
                  + " (helm.sh/hook: "
                  + hook
                  + "): "
                  + (hook.contains("test")
                      ? "a test hook runs with `helm test`, not on install"
                      : "Helm runs it on " + hook.replace(",", " or ") + ", not on install"));
        }
      }
    }
    Comparator<Manifest> byWeight = Comparator.comparingInt(HelmCharts::weight);
    pre.sort(byWeight);
    post.sort(byWeight);
    List<Manifest> ordered = new ArrayList<>(pre);
    ordered.addAll(main);
    ordered.addAll(post);
    return new Rendered(ordered, skipped);
  }

  /** {@code helm template} of the release, or an error naming the chart, template and line. */
  static String template(Stack.HelmRelease release, String kubeVersion) {
    synchronized (NATIVE) {
      try {
        Optional<Path> withHooks = release.chartPath().flatMap(HookTemplates::copyWithHooks);
        TemplateCommand command =
            release.chartPath().isPresent()
                ? new Helm(withHooks.orElse(release.chartPath().get())).template()
                : Helm.template(release.chart()).withVersion(release.version().orElseThrow());
        command = command.withName(release.release()).withNamespace(release.namespace());
        command = command.withKubeVersion(kubeVersion);
        for (Path values : release.values()) {
          command = command.withValuesFile(values);
        }
        Optional<Path> inline = inlineValues(release);
        if (inline.isPresent()) {
          command = command.withValuesFile(inline.get());
        }
        for (Map.Entry<String, String> set : release.set().entrySet()) {
          command = command.set(set.getKey(), set.getValue());
        }
        try {
          return command.call();
        } finally {
          withHooks.ifPresent(HookTemplates::delete);
          inline.ifPresent(HookTemplates::delete);
        }
      } catch (IllegalStateException | UnsatisfiedLinkError e) {
        throw new SandboxException.ManifestApply(failure(release, message(e)), e);
      }
    }
  }

  /** A GitOps source's inline values as a file of their own (owner-only), deleted after. */
  private static Optional<Path> inlineValues(Stack.HelmRelease release) {
    if (release.inlineValues().isEmpty()) {
      return Optional.empty();
    }
    try {
      Path folder =
          Files.createTempDirectory(
              "sandbox-values-",
              java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                  java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      return Optional.of(
          Files.writeString(folder.resolve("values.yaml"), release.inlineValues().get()));
    } catch (IOException | UnsupportedOperationException e) {
      throw new SandboxException.ManifestApply(
          release.declaredAt() + ": cannot write the inline values: " + e.getMessage(), e);
    }
  }

  /** The message for a release Helm could not render, in the user's paths. */
  static String failure(Stack.HelmRelease release, String helmMessage) {
    String message = userPaths(helmMessage.strip(), release).replace("\n", " ");
    String hint;
    if (message.contains("missing in charts/ directory")) {
      hint =
          " The chart's Chart.yaml lists dependencies that are not in its charts/ folder, and the"
              + " sandbox does not fetch chart repositories: run `helm dependency build "
              + release.chart()
              + "` once where the repository is reachable and keep charts/ beside the chart.";
    } else if (release.chartPath().isEmpty()) {
      hint =
          " The chart is fetched from its registry; where that is not reachable, `helm pull "
              + release.chart()
              + " --version "
              + release.version().orElse("")
              + "` once elsewhere and point chart: at the .tgz.";
    } else {
      hint =
          " Fix the template or the values (`helm template "
              + release.release()
              + " "
              + release.chart()
              + "` with the same values shows the same error).";
    }
    return release.declaredAt()
        + ": Helm could not render "
        + release.displayName()
        + ": "
        + message
        + hint;
  }

  private static String message(Throwable e) {
    String text = e.getMessage() == null ? e.toString() : e.getMessage();
    if (e instanceof UnsatisfiedLinkError) {
      return "Helm's native library does not load on "
          + System.getProperty("os.name")
          + "/"
          + System.getProperty("os.arch")
          + " ("
          + text
          + "); helm-java ships it for linux and macOS (amd64, arm64) and windows (amd64).";
    }
    return text.replace("\n\nUse --debug flag to render out invalid YAML", "")
        .replace("Use --debug flag to render out invalid YAML", "");
  }

  /**
   * Helm names templates {@code <chart name>/templates/x.yaml}; a local chart folder's own files
   * are under its path, so errors point there.
   */
  static String userPaths(String text, Stack.HelmRelease release) {
    Optional<Path> folder = release.chartPath().filter(Files::isDirectory);
    Optional<String> name = folder.flatMap(HelmCharts::chartName);
    if (name.isEmpty()) {
      return text;
    }
    String local = folder.get().toString() + folder.get().getFileSystem().getSeparator();
    return text.replaceAll(
        "(^|[\\s(\"'])" + Pattern.quote(name.get() + "/"), "$1" + Matcher.quoteReplacement(local));
  }

  private static Optional<String> chartName(Path folder) {
    try {
      Object chart =
          new Load(LoadSettings.builder().setLabel("Chart.yaml").build())
              .loadFromString(Files.readString(folder.resolve("Chart.yaml")));
      return chart instanceof Map<?, ?> map && map.get("name") instanceof String name
          ? Optional.of(name)
          : Optional.empty();
    } catch (Exception e) {
      return Optional.empty(); // Helm itself reports a broken Chart.yaml
    }
  }

  /**
   * The rendered text per template, keyed by its {@code # Source:} path in the user's paths (a
   * template that renders several documents keeps them together).
   */
  static Map<String, String> documents(String text, Stack.HelmRelease release) {
    Map<String, StringBuilder> bySource = new LinkedHashMap<>();
    for (String document : DOCUMENT_START.split(text)) {
      if (document.isBlank()) {
        continue;
      }
      Matcher source = SOURCE.matcher(document);
      String key =
          userPaths(source.find() ? source.group(1).strip() : release.chart(), release)
              + " (release "
              + release.release()
              + ")";
      StringBuilder into = bySource.computeIfAbsent(key, k -> new StringBuilder());
      if (!into.isEmpty()) {
        into.append("---\n");
      }
      into.append(document.strip()).append('\n');
    }
    Map<String, String> result = new LinkedHashMap<>();
    bySource.forEach((key, value) -> result.put(key, value.toString()));
    return result;
  }

  /** Labels the object with its release, and annotates it as Helm would. */
  private static void mark(Manifest manifest, Stack.HelmRelease release) {
    // as parsed, the object applied and the object as written are one; the loader copies it later
    var metadata = manifest.resource().getMetadata();
    if (metadata.getLabels() == null) {
      metadata.setLabels(new LinkedHashMap<>());
    }
    metadata.getLabels().put(RELEASE_LABEL, release.release());
    if (metadata.getAnnotations() == null) {
      metadata.setAnnotations(new LinkedHashMap<>());
    }
    restoreHookAnnotations(metadata.getAnnotations());
    metadata.getAnnotations().put(RELEASE_NAME, release.release());
    metadata.getAnnotations().put(RELEASE_NAMESPACE, release.namespace());
  }

  /** Puts back the hook annotations {@link HookTemplates} renamed so that Helm rendered them. */
  private static void restoreHookAnnotations(Map<String, String> annotations) {
    for (String key : List.copyOf(annotations.keySet())) {
      if (key.startsWith(HookTemplates.RENAMED)) {
        annotations.put(
            HookTemplates.HOOK + key.substring(HookTemplates.RENAMED.length()),
            annotations.remove(key));
      }
    }
  }

  /** The object's {@code helm.sh/hook} events ({@code pre-install,pre-upgrade}), empty if none. */
  public static String hook(Manifest manifest) {
    Map<String, String> annotations = manifest.resource().getMetadata().getAnnotations();
    return annotations == null ? "" : annotations.getOrDefault(HOOK, "").replace(" ", "");
  }

  private static int weight(Manifest manifest) {
    Map<String, String> annotations = manifest.resource().getMetadata().getAnnotations();
    try {
      return Integer.parseInt(annotations.getOrDefault(HOOK_WEIGHT, "0").strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
