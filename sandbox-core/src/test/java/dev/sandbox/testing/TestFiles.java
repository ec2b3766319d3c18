package dev.sandbox.testing;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;

/** Folders of test resources copied where a test may change them, and removed again. */
public final class TestFiles {

  private TestFiles() {}

  /** Copies the test-resource folder {@code resource} (e.g. {@code /helm/web}) to {@code to}. */
  public static Path copyResource(String resource, Path to) throws IOException {
    try {
      return copyTree(
          Path.of(Objects.requireNonNull(TestFiles.class.getResource(resource), resource).toURI()),
          to);
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
  }

  /** Copies the folder {@code from} with everything under it to {@code to}. */
  public static Path copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
    return to;
  }

  /** Deletes {@code root} with everything under it. */
  public static void deleteTree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
