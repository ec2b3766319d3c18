package dev.sandbox.manifest;

import dev.sandbox.SandboxException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * helm-java's {@code template} returns the release's manifest only, without its hooks (Helm keeps
 * hooks apart from the manifest). So that a chart's pre-install Job or hook ConfigMap is applied as
 * Helm would apply it, a chart folder whose templates declare hooks is rendered from a throwaway
 * copy in which the {@code helm.sh/hook} annotation keys are renamed: Helm then renders them as
 * ordinary objects, and {@link HelmCharts} renames them back and orders them. Packaged charts
 * ({@code .tgz}, {@code oci://}) are rendered as they are, hooks left out. Internal.
 */
final class HookTemplates {

  static final String HOOK = "helm.sh/hook";
  static final String RENAMED = "sandbox.dev/helm-hook";
  private static final int MAX_FILES = 2000;

  private HookTemplates() {}

  /** A copy of the chart folder with hook annotations renamed, or empty when it declares none. */
  static Optional<Path> copyWithHooks(Path chart) {
    if (!Files.isDirectory(chart)) {
      return Optional.empty();
    }
    try {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(chart)) {
        files = walk.filter(Files::isRegularFile).limit(MAX_FILES).toList();
      }
      boolean hooks = false;
      for (Path file : files) {
        hooks |= template(chart, file) && read(file).contains(HOOK);
      }
      if (!hooks) {
        return Optional.empty();
      }
      Path copy = Files.createTempDirectory("sandbox-helm-");
      for (Path file : files) {
        Path target = copy.resolve(chart.relativize(file).toString());
        Files.createDirectories(target.getParent());
        if (template(chart, file)) {
          Files.writeString(target, read(file).replace(HOOK, RENAMED), StandardCharsets.UTF_8);
        } else {
          Files.copy(file, target);
        }
      }
      return Optional.of(copy);
    } catch (IOException | UncheckedIOException e) {
      throw new SandboxException.ManifestApply(
          "Cannot read the chart " + chart + ": " + e.getMessage(), e);
    }
  }

  static void delete(Path copy) {
    try (Stream<Path> walk = Files.walk(copy)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // a temporary folder left behind; nothing the user needs to act on
    }
  }

  /** A file under a {@code templates/} folder of the chart or of a subchart. */
  private static boolean template(Path chart, Path file) {
    for (Path part : chart.relativize(file)) {
      if (part.toString().equals("templates")) {
        return true;
      }
    }
    return false;
  }

  private static String read(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
  }
}
