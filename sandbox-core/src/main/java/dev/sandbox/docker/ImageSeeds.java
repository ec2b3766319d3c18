package dev.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.sandbox.ImageSeed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The machine's image seeds: one per k3s image, a containerd folder that a new sandbox's image
 * store starts from, so that a name never seen before finds the images an earlier node held (the
 * add-ons', Prometheus's, the team's) instead of unpacking them all again.
 *
 * <p>{@code down} refreshes the seed from the node's store, once the node is gone; {@code up} of a
 * name without a store fills its new store from the seed before the node starts. Both copy with
 * hard links, which cost no time and no disk for the image layers: containerd never changes a
 * committed layer or a content blob, it only adds and removes them. What it rewrites in place — its
 * bolt databases — is copied, and unfinished downloads are left out, so no two containerds ever
 * share a file they write. The two volumes are separate mounts inside any container, so the links
 * are made by a short-lived helper (the node's own image, no network) that sees the engine's volume
 * folder as one mount. Where that cannot work (a volume driver other than {@code local}, volumes
 * outside one folder, an engine that does not share its volume folder), nothing is seeded and the
 * node imports its images as before. Internal to the engine.
 */
public final class ImageSeeds {

  /** The component label of an image seed volume. */
  public static final String COMPONENT = "image-seed";

  /**
   * A file in an image store whose node's {@code down} emptied its containerd of pods (tasks,
   * containers, pod sandboxes): the store holds images only. A seed without it is refreshed from a
   * store with it even when the node added no image, so a seed copied before stores were emptied
   * (or from a node that could not be) becomes clean once. A store filled from the seed starts
   * without it: only its own node's {@code down} writes it.
   */
  public static final String PODS_CLEARED = ".sandbox-pods-cleared";

  /** Where the helper sees the engine's volume folder. */
  private static final String VOLUMES = "/sandbox-volumes";

  /** The helper gives up after this long; the node then imports its images itself. */
  private static final Duration AT_MOST = Duration.ofMinutes(2);

  /** Exit code of the fill script when the seed holds nothing yet. */
  private static final int EMPTY = 3;

  /**
   * Copies {@code $FROM} into {@code $TO} with hard links, then copies (not links) what containerd
   * rewrites in place: its bolt databases ({@code <plugin>/*.db}), and drops unfinished downloads.
   */
  private static final String LINK =
      """
      link() {
        cp -al "$1/." "$2/"
        rm -rf "$2"/.next-* "$2"/.old-*
        for f in "$2"/*/*.db; do
          [ -f "$f" ] || continue
          cp -p "$f" "$f.copy" && mv -f "$f.copy" "$f"
        done
        rm -rf "$2/io.containerd.content.v1.content/ingest"
      }
      """;

  /**
   * A seed refreshed from a store: built aside, then swapped in by renames. A store whose every
   * content blob the seed holds already (the node added no image) leaves the seed as it is, so a
   * {@code down} writes nothing then.
   */
  private static final String REFRESH =
      LINK
          + """
          set -eu
          from="$VOLUMES/$FROM/_data"; seed="$VOLUMES/$TO/_data"
          [ -d "$from" ] && [ -d "$seed" ] || exit 4
          blobs=io.containerd.content.v1.content/blobs/sha256
          if [ -d "$seed/current/$blobs" ]; then
            new=no
            for b in "$from/$blobs"/*; do
              [ -e "$b" ] || continue
              [ -e "$seed/current/$blobs/${b##*/}" ] || { new=yes; break; }
            done
            # a store emptied of pods replaces a seed that was not
            if [ -e "$from/$CLEARED" ] && [ ! -e "$seed/current/$CLEARED" ]; then new=yes; fi
            [ "$new" = yes ] || exit 0
          fi
          next="$seed/.next-$TOKEN"; old="$seed/.old-$TOKEN"
          trap 'rm -rf "$next" "$old"' EXIT
          mkdir "$next"
          link "$from" "$next"
          if [ -e "$seed/current" ]; then mv "$seed/current" "$old"; fi
          mv "$next" "$seed/current"
          # two refreshes that both found no seed: the later one moved its copy into the other's
          rm -rf "$seed/current/${next##*/}"
          """;

  /** A new store filled from the seed. */
  private static final String FILL =
      LINK
          + """
          set -eu
          seed="$VOLUMES/$FROM/_data/current"; store="$VOLUMES/$TO/_data"
          [ -d "$store" ] || exit 4
          [ -d "$seed" ] || exit 3
          link "$seed" "$store"
          rm -f "$store/$CLEARED"
          """;

  private ImageSeeds() {}

  /** The seed volume of the k3s image {@code nodeImageId} ({@code sha256:...}). */
  public static String volumeName(String nodeImageId) {
    String hex = nodeImageId.startsWith("sha256:") ? nodeImageId.substring(7) : nodeImageId;
    return "sandbox-image-seed-" + hex.substring(0, Math.min(12, hex.length()));
  }

  /**
   * Fills the new, empty image store {@code store} from the seed of {@code nodeImageId}.
   *
   * @return how long it took, or empty when there is no seed or it could not be used (the store is
   *     then empty, as before)
   */
  public static Optional<Duration> fill(DockerClient docker, String nodeImageId, String store) {
    return seedable(nodeImageId)
        ? fill(docker, nodeImageId, volumeName(nodeImageId), store)
        : Optional.empty();
  }

  /** As {@link #fill(DockerClient, String, String)}, from the seed volume {@code seed}. */
  static Optional<Duration> fill(
      DockerClient docker, String nodeImageId, String seed, String store) {
    if (inspect(docker, seed).isEmpty()) {
      return Optional.empty();
    }
    Instant start = Instant.now();
    int code = run(docker, nodeImageId, FILL, seed, store);
    if (code == 0) {
      return Optional.of(Duration.between(start, Instant.now()));
    }
    if (code != EMPTY) {
      // half a copy is no store: start it empty again
      emptyAgain(docker, store);
    }
    return Optional.empty();
  }

  /**
   * Makes the seed of {@code nodeImageId} a copy of the idle image store {@code store} (its node is
   * gone), creating the seed when there is none.
   *
   * @return how long it took, or empty when it could not be done (the seed is then as it was)
   */
  public static Optional<Duration> refresh(DockerClient docker, String nodeImageId, String store) {
    return seedable(nodeImageId)
        ? refresh(docker, nodeImageId, store, volumeName(nodeImageId))
        : Optional.empty();
  }

  /** As {@link #refresh(DockerClient, String, String)}, into the seed volume {@code seed}. */
  static Optional<Duration> refresh(
      DockerClient docker, String nodeImageId, String store, String seed) {
    if (inspect(docker, seed).isEmpty()) {
      Map<String, String> labels = new HashMap<>();
      labels.put(Labels.COMPONENT, COMPONENT);
      labels.put(Labels.NODE_IMAGE, nodeImageId);
      docker.createVolumeCmd().withName(seed).withLabels(labels).exec();
    }
    Instant start = Instant.now();
    return run(docker, nodeImageId, REFRESH, store, seed) == 0
        ? Optional.of(Duration.between(start, Instant.now()))
        : Optional.empty();
  }

  /** Every image seed on this engine, with its size where the engine reports it. */
  public static List<ImageSeed> list(DockerClient docker) {
    var volumes =
        docker
            .listVolumesCmd()
            .withFilter("label", List.of(Labels.COMPONENT + "=" + COMPONENT))
            .exec()
            .getVolumes();
    if (volumes == null || volumes.isEmpty()) {
      return List.of();
    }
    Map<String, Long> sizes = ImageStores.sizes();
    List<ImageSeed> seeds = new ArrayList<>();
    for (var volume : volumes) {
      Long size = sizes.get(volume.getName());
      seeds.add(
          new ImageSeed(
              volume.getName(),
              volume.getLabels().getOrDefault(Labels.NODE_IMAGE, ""),
              size == null || size < 0 ? OptionalLong.empty() : OptionalLong.of(size)));
    }
    seeds.sort(java.util.Comparator.comparing(ImageSeed::volume));
    return seeds;
  }

  /** Removes every image seed; returns what it removed. */
  public static List<ImageSeed> removeAll(DockerClient docker) {
    List<ImageSeed> removed = new ArrayList<>();
    for (ImageSeed seed : list(docker)) {
      try {
        docker.removeVolumeCmd(seed.volume()).exec();
        removed.add(seed);
      } catch (NotFoundException e) {
        // gone meanwhile
      } catch (com.github.dockerjava.api.exception.ConflictException e) {
        // a helper is copying it right now: the next gc takes it
      }
    }
    return removed;
  }

  /** Only an image ID names what wrote a store: a name may point at another image tomorrow. */
  private static boolean seedable(String nodeImageId) {
    return nodeImageId != null && nodeImageId.startsWith("sha256:");
  }

  private static Optional<InspectVolumeResponse> inspect(DockerClient docker, String volume) {
    try {
      return Optional.of(docker.inspectVolumeCmd(volume).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * The folder that holds both volumes' folders ({@code <root>/<name>/_data}), when both are plain
   * local volumes there.
   */
  static Optional<String> commonRoot(InspectVolumeResponse a, InspectVolumeResponse b) {
    Optional<String> ra = root(a);
    return ra.isPresent() && ra.equals(root(b)) ? ra : Optional.empty();
  }

  private static Optional<String> root(InspectVolumeResponse volume) {
    String mountpoint = volume.getMountpoint();
    String suffix = "/" + volume.getName() + "/_data";
    boolean plain =
        "local".equals(volume.getDriver())
            && (volume.getOptions() == null || volume.getOptions().isEmpty());
    if (!plain || mountpoint == null || !mountpoint.endsWith(suffix)) {
      return Optional.empty();
    }
    String root = mountpoint.substring(0, mountpoint.length() - suffix.length());
    return root.isEmpty() ? Optional.empty() : Optional.of(root);
  }

  /** Runs {@code script} in a helper of the node image; its exit code, or -1 when it could not. */
  private static int run(
      DockerClient docker, String nodeImageId, String script, String from, String to) {
    Optional<InspectVolumeResponse> source = inspect(docker, from);
    Optional<InspectVolumeResponse> target = inspect(docker, to);
    if (source.isEmpty() || target.isEmpty()) {
      return -1;
    }
    Optional<String> root = commonRoot(source.get(), target.get());
    if (root.isEmpty()) {
      return -1;
    }
    removeLeftHelpers(docker);
    try {
      return HelperContainer.of(docker, nodeImageId)
          .configure(
              cmd ->
                  cmd.withEntrypoint("/bin/sh")
                      .withCmd("-c", script)
                      .withEnv(
                          "VOLUMES=" + VOLUMES,
                          "FROM=" + from,
                          "TO=" + to,
                          "CLEARED=" + PODS_CLEARED,
                          "TOKEN=" + UUID.randomUUID().toString().substring(0, 8))
                      .withUser("0")
                      .withLabels(Map.of(Labels.COMPONENT, HELPER)))
          .host(
              HostConfig.newHostConfig()
                  .withNetworkMode("none")
                  .withBinds(new Bind(root.get(), new Volume(VOLUMES))))
          .run(AT_MOST)
          .exitCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** The component label of the helper containers. */
  static final String HELPER = COMPONENT + "-helper";

  /**
   * Removes helpers a killed process left (exited, or created more than a minute ago and never
   * started); a running one belongs to another {@code up} or {@code down} and is left alone.
   */
  static void removeLeftHelpers(DockerClient docker) {
    try {
      long minuteAgo = Instant.now().getEpochSecond() - 60;
      for (var helper :
          docker
              .listContainersCmd()
              .withShowAll(true)
              .withLabelFilter(Map.of(Labels.COMPONENT, HELPER))
              .exec()) {
        boolean left =
            "exited".equals(helper.getState())
                || ("created".equals(helper.getState())
                    && helper.getCreated() != null
                    && helper.getCreated() < minuteAgo);
        if (left) {
          docker.removeContainerCmd(helper.getId()).withForce(true).withRemoveVolumes(true).exec();
        }
      }
    } catch (RuntimeException e) {
      // the next run sweeps again
    }
  }

  /** Removes and recreates {@code store} with its labels: empty, as a new store is. */
  private static void emptyAgain(DockerClient docker, String store) {
    try {
      var volume = docker.inspectVolumeCmd(store).exec();
      Map<String, String> labels = volume.getLabels();
      docker.removeVolumeCmd(store).exec();
      docker.createVolumeCmd().withName(store).withLabels(labels).exec();
    } catch (RuntimeException e) {
      // the node's start will say what is wrong with the volume
    }
  }
}
