package dev.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.sandbox.testing.RequiresDocker;
import dev.sandbox.testing.TestImages;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.ImageNameSubstitutor;

/**
 * The image seed on a real engine, with volumes of its own (never the machine's seed): layers and
 * blobs are hard links, what containerd rewrites in place is copied, unfinished downloads stay out.
 */
@RequiresDocker
class ImageSeedsIT {

  private static final String BLOB = "io.containerd.content.v1.content/blobs/sha256/ab12";
  private static final String LAYER = "io.containerd.snapshotter.v1.overlayfs/snapshots/1/fs/bin/x";
  private static final String META = "io.containerd.metadata.v1.bolt/meta.db";
  private static final String SNAPSHOTTER_DB = "io.containerd.snapshotter.v1.overlayfs/metadata.db";
  private static final String INGEST = "io.containerd.content.v1.content/ingest/cd34/data";

  private final DockerClient docker = DockerClientFactory.instance().client();
  private final String image = nodeImageId();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final List<String> volumes = new ArrayList<>();

  @AfterEach
  void removeVolumes() {
    volumes.forEach(v -> docker.removeVolumeCmd(v).exec());
  }

  @Test
  void a_refreshed_seed_links_layers_copies_databases_and_leaves_out_downloads() {
    String store = volume("store");
    String seed = volume("seed");
    sh(store, "/s", files());
    List<String> before = volumeNames();

    assertThat(ImageSeeds.refresh(docker, image, store, seed)).isPresent();
    // the helper's image declares volumes: they were tmpfs, no anonymous volume is left behind
    assertThat(volumeNames()).containsExactlyInAnyOrderElementsOf(before);

    // inode and link count of each file, in the store and in the seed
    String seen =
        sh(
            store + "," + seed,
            "/s,/seed",
            "for f in "
                + BLOB
                + " "
                + LAYER
                + " "
                + META
                + " "
                + SNAPSHOTTER_DB
                + "; do"
                + " echo \"$f $(stat -c %i /s/$f) $(stat -c %i /seed/current/$f) $(cat /seed/current/$f)\";"
                + " done; [ -e /seed/current/"
                + INGEST
                + " ] && echo ingest-kept || true;"
                + " ls -A /seed");
    assertThat(line(seen, BLOB)).satisfies(l -> assertThat(l[1]).isEqualTo(l[2]));
    assertThat(line(seen, LAYER)).satisfies(l -> assertThat(l[1]).isEqualTo(l[2]));
    assertThat(line(seen, META))
        .satisfies(l -> assertThat(l[1]).isNotEqualTo(l[2]))
        .satisfies(l -> assertThat(l[3]).isEqualTo("db"));
    assertThat(line(seen, SNAPSHOTTER_DB)).satisfies(l -> assertThat(l[1]).isNotEqualTo(l[2]));
    assertThat(seen).doesNotContain("ingest-kept");
    // nothing left of the build aside: the seed folder holds the current copy only
    assertThat(seen.strip()).endsWith("current");
  }

  @Test
  void a_new_store_filled_from_the_seed_shares_layers_but_not_its_databases() {
    String store = volume("store");
    String seed = volume("seed");
    String fresh = volume("fresh");
    sh(store, "/s", files());
    assertThat(ImageSeeds.refresh(docker, image, store, seed)).isPresent();
    String before = sh(seed, "/seed", "stat -c %i /seed/current");
    // a later down of a node that added nothing leaves the copy as it is; one that added an
    // image replaces it
    assertThat(ImageSeeds.refresh(docker, image, store, seed)).isPresent();
    assertThat(sh(seed, "/seed", "stat -c %i /seed/current")).isEqualTo(before);
    sh(store, "/s", "echo more > /s/io.containerd.content.v1.content/blobs/sha256/ef56");
    assertThat(ImageSeeds.refresh(docker, image, store, seed)).isPresent();
    String added = sh(seed, "/seed", "stat -c %i /seed/current");
    assertThat(added).isNotEqualTo(before);
    // a store its node's down emptied of pods replaces a seed that was not, though it added no
    // image; once: the seed is then marked as emptied too
    sh(store, "/s", "touch /s/" + ImageSeeds.PODS_CLEARED);
    assertThat(ImageSeeds.refresh(docker, image, store, seed)).isPresent();
    String emptied = sh(seed, "/seed", "stat -c %i /seed/current");
    assertThat(emptied).isNotEqualTo(added);
    assertThat(ImageSeeds.refresh(docker, image, store, seed)).isPresent();
    assertThat(sh(seed, "/seed", "stat -c %i /seed/current")).isEqualTo(emptied);

    assertThat(ImageSeeds.fill(docker, image, seed, fresh)).isPresent();
    // the new store is not emptied by its own node's down yet: it starts unmarked
    assertThat(sh(fresh, "/n", "ls -A /n")).doesNotContain(ImageSeeds.PODS_CLEARED);

    String seen =
        sh(
            fresh + "," + seed,
            "/n,/seed",
            "echo changed > /n/"
                + META
                + ";"
                + " echo \"blob $(stat -c %i /n/"
                + BLOB
                + ") $(stat -c %i /seed/current/"
                + BLOB
                + ")\";"
                + " echo \"meta $(cat /seed/current/"
                + META
                + ")\"; ls -A /seed");
    assertThat(line(seen, "blob")).satisfies(l -> assertThat(l[1]).isEqualTo(l[2]));
    // the new node's containerd writes its own database, never the seed's
    assertThat(line(seen, "meta")[1]).isEqualTo("db");
    assertThat(seen.strip()).endsWith("current");
  }

  @Test
  void two_downs_that_both_find_no_seed_leave_one_copy() {
    String store = volume("store");
    String other = volume("other");
    String seed = volume("seed");
    sh(store + "," + other, "/s,/o", files() + " cp -a /s/. /o/");

    // two throwaway sandboxes of a test run closing at once, on a machine without a seed yet
    var first =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> ImageSeeds.refresh(docker, image, store, seed));
    var second =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> ImageSeeds.refresh(docker, image, other, seed));
    assertThat(List.of(first.join(), second.join())).anyMatch(java.util.Optional::isPresent);

    // one copy, nothing of the other nested in it or left beside it
    assertThat(sh(seed, "/seed", "ls -A /seed; ls -A /seed/current").lines())
        .containsExactlyInAnyOrder(
            "current",
            "io.containerd.content.v1.content",
            "io.containerd.metadata.v1.bolt",
            "io.containerd.snapshotter.v1.overlayfs");
  }

  @Test
  void a_seed_that_holds_nothing_yet_fills_nothing_and_helpers_a_killed_run_left_are_removed() {
    String seed = volume("seed");
    String fresh = volume("fresh");
    // a helper a killed process left behind: exited, never removed
    String left =
        docker
            .createContainerCmd(image)
            .withEntrypoint("/bin/sh")
            .withCmd("-c", "true")
            .withLabels(java.util.Map.of(Labels.COMPONENT, ImageSeeds.HELPER))
            .exec()
            .getId();
    docker.startContainerCmd(left).exec();
    docker
        .waitContainerCmd(left)
        .exec(new com.github.dockerjava.api.command.WaitContainerResultCallback())
        .awaitStatusCode(1, TimeUnit.MINUTES);

    assertThat(ImageSeeds.fill(docker, image, seed, fresh)).isEmpty();
    assertThat(
            docker
                .listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(java.util.Map.of(Labels.COMPONENT, ImageSeeds.HELPER))
                .exec())
        .extracting(c -> c.getId())
        .doesNotContain(left);
    assertThat(sh(fresh, "/n", "ls -A /n | wc -l").strip()).isEqualTo("0");
  }

  @Test
  void volumes_under_different_roots_are_not_linked() throws Exception {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var a =
        mapper.readValue(
            "{\"Name\":\"a\",\"Driver\":\"local\",\"Mountpoint\":\"/var/lib/docker/volumes/a/_data\"}",
            com.github.dockerjava.api.command.InspectVolumeResponse.class);
    var b =
        mapper.readValue(
            "{\"Name\":\"b\",\"Driver\":\"local\",\"Mountpoint\":\"/var/lib/docker/volumes/b/_data\"}",
            com.github.dockerjava.api.command.InspectVolumeResponse.class);
    var elsewhere =
        mapper.readValue(
            "{\"Name\":\"c\",\"Driver\":\"local\",\"Mountpoint\":\"/mnt/other/c/_data\"}",
            com.github.dockerjava.api.command.InspectVolumeResponse.class);
    var nfs =
        mapper.readValue(
            "{\"Name\":\"d\",\"Driver\":\"local\",\"Mountpoint\":\"/var/lib/docker/volumes/d/_data\","
                + "\"Options\":{\"type\":\"nfs\"}}",
            com.github.dockerjava.api.command.InspectVolumeResponse.class);

    assertThat(ImageSeeds.commonRoot(a, b)).contains("/var/lib/docker/volumes");
    assertThat(ImageSeeds.commonRoot(a, elsewhere)).isEmpty();
    assertThat(ImageSeeds.commonRoot(a, nfs)).isEmpty();
    assertThat(ImageSeeds.volumeName("sha256:0123456789abcdef0123"))
        .isEqualTo("sandbox-image-seed-0123456789ab");
  }

  /** A containerd folder in miniature: a blob, a layer file, two databases, a download. */
  private static String files() {
    StringBuilder s = new StringBuilder();
    for (String f : List.of(BLOB, LAYER, META, SNAPSHOTTER_DB, INGEST)) {
      s.append("mkdir -p \"$(dirname /s/").append(f).append(")\"; ");
      s.append("echo ").append(f.endsWith(".db") ? "db" : "data").append(" > /s/").append(f);
      s.append("; ");
    }
    return s.toString();
  }

  private static String[] line(String output, String first) {
    return output
        .lines()
        .filter(l -> l.startsWith(first + " "))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line for " + first + " in:\n" + output))
        .split(" ");
  }

  private List<String> volumeNames() {
    var all = docker.listVolumesCmd().exec().getVolumes();
    return all == null ? List.of() : all.stream().map(v -> v.getName()).toList();
  }

  private String volume(String role) {
    String name = "it-seed-" + role + "-" + run;
    docker.createVolumeCmd().withName(name).exec();
    volumes.add(name);
    return name;
  }

  /** Runs {@code script} in the node image with the volumes mounted; its output. */
  private String sh(String volumeList, String pathList, String script) {
    String[] names = volumeList.split(",");
    String[] paths = pathList.split(",");
    List<Bind> binds = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      binds.add(new Bind(names[i], new Volume(paths[i])));
    }
    try {
      HelperContainer.Result result =
          HelperContainer.of(docker, image)
              .configure(cmd -> cmd.withEntrypoint("/bin/sh").withCmd("-c", script).withUser("0"))
              .host(HostConfig.newHostConfig().withNetworkMode("none").withBinds(binds))
              .run(java.time.Duration.ofMinutes(1));
      String out = result.stdout() + result.stderr();
      assertThat(result.exitCode()).as(out).isZero();
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The ID of the k3s image the image map gives for the official name (the helper's image). */
  private String nodeImageId() {
    String local =
        ImageNameSubstitutor.instance()
            .apply(DockerImageName.parse(TestImages.K3S))
            .asCanonicalNameString();
    return docker.inspectImageCmd(local).exec().getId();
  }
}
