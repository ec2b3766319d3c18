package dev.sandbox.manifest;

import dev.sandbox.stack.ShortHash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A fingerprint of the files a stack applies (manifests, the team's policies, alerting rules), so
 * that {@code up} on a running sandbox notices edited YAML and applies it instead of reusing stale
 * objects. Kustomizations may reach outside their folder ({@code ../../base}); when the stack has
 * one, the YAML under the stack file's folder counts too. Internal.
 */
public final class ManifestFiles {

  private static final Set<String> SKIPPED_FOLDERS =
      Set.of(".git", "target", "build", "node_modules", ".gradle", ".idea");
  private static final int MAX_FILES = 5000;

  private ManifestFiles() {}

  /** A short hash over the paths and contents of the YAML/JSON files under {@code paths}. */
  public static String hash(Collection<Path> paths, Optional<Path> stackFolder) {
    Set<Path> files = new TreeSet<>();
    boolean kustomized = false;
    for (Path path : paths) {
      collect(path, files);
      kustomized |=
          Files.isDirectory(path)
              && ManifestLoader.KUSTOMIZATION_FILES.stream()
                  .anyMatch(name -> Files.isRegularFile(path.resolve(name)));
    }
    if (kustomized && stackFolder.isPresent()) {
      collect(stackFolder.get(), files);
    }
    return digest(files);
  }

  /**
   * A short hash over every file under {@code paths} (Helm charts: templates, helpers, packaged
   * charts, values files), whatever its extension.
   */
  public static String hashAll(Collection<Path> paths) {
    Set<Path> files = new TreeSet<>();
    for (Path path : paths) {
      collect(path, files, file -> true);
    }
    return digest(files);
  }

  private static String digest(Set<Path> files) {
    try {
      MessageDigest digest = ShortHash.sha256();
      for (Path file : files) {
        digest.update(file.toString().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(Files.readAllBytes(file));
        digest.update((byte) 0);
      }
      return ShortHash.of(digest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void collect(Path root, Set<Path> into) {
    collect(root, into, ManifestFiles::yamlOrJson);
  }

  private static void collect(
      Path root, Set<Path> into, java.util.function.Predicate<Path> wanted) {
    if (Files.isRegularFile(root)) {
      into.add(root.toAbsolutePath().normalize());
      return;
    }
    if (!Files.isDirectory(root)) {
      return; // the loader reports missing paths, with their place in the stack file
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(p -> p.equals(root) || !skipped(root.relativize(p)))
          .filter(Files::isRegularFile)
          .filter(wanted)
          .limit(MAX_FILES)
          .forEach(p -> into.add(p.toAbsolutePath().normalize()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean skipped(Path relative) {
    for (Path part : relative) {
      if (SKIPPED_FOLDERS.contains(part.toString())) {
        return true;
      }
    }
    return false;
  }

  private static boolean yamlOrJson(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".yaml")
        || name.endsWith(".yml")
        || name.endsWith(".json")
        || name.equals("Kustomization");
  }
}
