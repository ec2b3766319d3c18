package dev.sandbox;

import dev.sandbox.stack.YamlTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The user-level configuration ({@code ~/.sandbox/config.yaml}, or the file named by {@code
 * SANDBOX_CONFIG}): settings of one machine rather than one stack, such as the mirror every image
 * comes from or that the machine is offline.
 *
 * <pre>
 * image-map:
 *   postgres: mirror.corp/postgres
 *   rancher/k3s: mirror.corp/rancher/k3s
 * offline: true
 * snapshots: false   # never boot nodes from snapshots of a ready cluster
 * </pre>
 *
 * <p>Under it lies a generated layer, {@code ~/.sandbox/local-images.yaml} (or the file named by
 * {@code SANDBOX_LOCAL_IMAGES}): the image map of the images built on this machine from a clone's
 * recipes ({@code ci/images}), written by {@code ./sandbox up} and {@code ./mvnw verify} on a
 * machine without a registry. It holds only {@code image-map}; the user's own entries win over it.
 *
 * @param imageMap official image to replacement, applied under every stack's own map
 * @param offline when true, any image missing from the local Docker engine fails fast instead of
 *     being pulled
 * @param source the file read, empty when none exists
 * @param snapshots the folder where snapshots of ready clusters are kept, which new nodes of the
 *     same image and flags boot from; empty when nodes always boot afresh
 */
public record SandboxConfig(
    ImageMap imageMap, boolean offline, Optional<Path> source, Optional<Path> snapshots) {

  /** Environment variable turning cluster snapshots off ({@code false}) or on. */
  public static final String SNAPSHOTS_ENV = "SANDBOX_SNAPSHOTS";

  /** Environment variable naming the config file. */
  public static final String CONFIG_ENV = "SANDBOX_CONFIG";

  /** Environment variable forcing offline mode ({@code true}/{@code false}). */
  public static final String OFFLINE_ENV = "SANDBOX_OFFLINE";

  /** Environment variable naming the generated image map of locally built images. */
  public static final String LOCAL_IMAGES_ENV = "SANDBOX_LOCAL_IMAGES";

  public SandboxConfig {
    java.util.Objects.requireNonNull(imageMap, "imageMap");
    java.util.Objects.requireNonNull(source, "source");
    java.util.Objects.requireNonNull(snapshots, "snapshots");
  }

  /** Without snapshots. */
  public SandboxConfig(ImageMap imageMap, boolean offline, Optional<Path> source) {
    this(imageMap, offline, source, Optional.empty());
  }

  /** No map, online, no snapshots. */
  public static SandboxConfig defaults() {
    return new SandboxConfig(ImageMap.empty(), false, Optional.empty());
  }

  public SandboxConfig withOffline(boolean value) {
    return new SandboxConfig(imageMap, value, source, snapshots);
  }

  /** Keeps snapshots of ready clusters in {@code folder} (empty: none). */
  public SandboxConfig withSnapshots(Optional<Path> folder) {
    return new SandboxConfig(imageMap, offline, source, folder);
  }

  /** Where snapshots live unless turned off: {@code <home>/.sandbox/snapshots}. */
  public static Path snapshotFolder(Path home) {
    return home.resolve(".sandbox").resolve("snapshots");
  }

  /**
   * The generated image map of locally built images: the file named by {@code
   * SANDBOX_LOCAL_IMAGES}, else {@code <home>/.sandbox/local-images.yaml}. It may not exist.
   */
  public static Path localImagesFile(Map<String, String> env, Path home) {
    String named = env.get(LOCAL_IMAGES_ENV);
    return named != null && !named.isBlank()
        ? Path.of(named)
        : home.resolve(".sandbox").resolve("local-images.yaml");
  }

  /**
   * Resolves the configuration from the environment: the file named by {@code SANDBOX_CONFIG}, else
   * {@code <home>/.sandbox/config.yaml} when it exists, over the generated map of locally built
   * images ({@link #localImagesFile}) when that exists; {@code SANDBOX_OFFLINE} overrides the
   * file's {@code offline}. Snapshots of ready clusters are kept in {@link #snapshotFolder} unless
   * the file says {@code snapshots: false} or {@code SANDBOX_SNAPSHOTS} is {@code false}.
   */
  public static SandboxConfig fromEnvironment(Map<String, String> env, Path home) {
    String named = env.get(CONFIG_ENV);
    SandboxConfig config;
    if (named != null && !named.isBlank()) {
      Path file = Path.of(named);
      if (!Files.isRegularFile(file)) {
        throw new StackFileException(
            named,
            0,
            0,
            "",
            "does not exist, but "
                + CONFIG_ENV
                + " names it. Create it or unset "
                + CONFIG_ENV
                + ".");
      }
      config = load(file, snapshotFolder(home));
    } else {
      Path file = home.resolve(".sandbox").resolve("config.yaml");
      config =
          Files.isRegularFile(file)
              ? load(file, snapshotFolder(home))
              : defaults().withSnapshots(Optional.of(snapshotFolder(home)));
    }
    Path generated = localImagesFile(env, home);
    if (Files.isRegularFile(generated)) {
      // the user's own entries win: they know the machine better than a generated file
      config =
          new SandboxConfig(
              load(generated).imageMap().overriddenBy(config.imageMap()),
              config.offline(),
              config.source(),
              config.snapshots());
    }
    String offline = env.get(OFFLINE_ENV);
    if (offline != null && !offline.isBlank()) {
      config =
          config.withOffline(Boolean.parseBoolean(offline.trim()) || offline.trim().equals("1"));
    }
    String snapshots = env.get(SNAPSHOTS_ENV);
    if (snapshots != null && !snapshots.isBlank()) {
      boolean on = Boolean.parseBoolean(snapshots.trim()) || snapshots.trim().equals("1");
      config = config.withSnapshots(on ? Optional.of(snapshotFolder(home)) : Optional.empty());
    }
    return config;
  }

  /** Reads a config file; problems are reported like stack file problems, with their location. */
  public static SandboxConfig load(Path file) {
    return load(file, null);
  }

  /**
   * Reads a config file, keeping snapshots in {@code snapshotFolder} (none when null) unless it
   * says {@code snapshots: false}.
   */
  public static SandboxConfig load(Path file, Path snapshotFolder) {
    String label = file.toString();
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StackFileException(label, 0, 0, "", "cannot be read: " + e.getMessage());
    }
    Optional<org.snakeyaml.engine.v2.nodes.Node> node = YamlTree.compose(label, text);
    if (node.isEmpty()) {
      return new SandboxConfig(
          ImageMap.empty(), false, Optional.of(file), Optional.ofNullable(snapshotFolder));
    }
    Map<String, YamlTree.Entry> top =
        new YamlTree.Entry("", node.get()).mapping(List.of("image-map", "offline", "snapshots"));
    Map<String, String> map = new LinkedHashMap<>();
    if (top.containsKey("image-map")) {
      top.get("image-map")
          .freeMapping("official image to replacement image")
          .forEach((from, to) -> map.put(from, to.nonBlank("the image to use instead of " + from)));
    }
    boolean offline = top.containsKey("offline") && top.get("offline").bool();
    boolean snapshots = !top.containsKey("snapshots") || top.get("snapshots").bool();
    return new SandboxConfig(
        ImageMap.of(map),
        offline,
        Optional.of(file),
        snapshots ? Optional.ofNullable(snapshotFolder) : Optional.empty());
  }
}
