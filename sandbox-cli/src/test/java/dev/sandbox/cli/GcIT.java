package dev.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.sandbox.docker.Labels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/**
 * {@code gc} against a real Docker engine: the containers, network and volume of a sandbox whose
 * state folder root was deleted (as a killed test run leaves them) are removed; a sandbox whose
 * root exists is not touched, even with the same name pattern; data volumes stay unless asked. The
 * containers are created, never started: {@code gc} judges labels, not processes.
 */
@DisplayName("gc removes the sandboxes nobody can reach any more, down only its own")
class GcIT {

  /** A small image every CI run builds (Testcontainers' check image, through the image map). */
  private static final String IMAGE = "sandbox-local/alpine:3.17";

  @TempDir Path dir;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String orphan = "it-gc-orphan-" + run;
  private final String living = "it-gc-living-" + run;
  private DockerClient docker;

  @BeforeEach
  void docker() {
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException("GcIT needs a Docker engine");
    }
    docker = DockerClientFactory.instance().client();
  }

  @AfterEach
  void cleanUp() {
    for (String name : List.of(orphan, living)) {
      dev.sandbox.docker.DockerEngine.removeAll(docker, name, false);
    }
  }

  record Run(int code, String out, String err) {}

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("SANDBOX_HOME", dir.resolve("state").toString());
    Environment environment = new Environment(env, dir.resolve("home"), dir, false);
    int code =
        Cli.create(environment, new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** A sandbox's worth of labelled resources: a container, its network and a data volume. */
  private void sandbox(String name, Path root) {
    Map<String, String> labels = new HashMap<>(Labels.of(name, "h", "test", "postgres"));
    labels.put(Labels.STATE_ROOT, root.toString());
    docker
        .createNetworkCmd()
        .withName("sandbox-" + name)
        .withLabels(Labels.of(name, "h", "test", "network"))
        .exec();
    docker
        .createVolumeCmd()
        .withName("sandbox-" + name + "-postgres-data")
        .withLabels(Labels.of(name, "h", "test", "postgres"))
        .exec();
    docker
        .createContainerCmd(IMAGE)
        .withName("sandbox-" + name + "-postgres")
        .withLabels(labels)
        .withCmd("true")
        .exec();
  }

  private List<Container> containers(String name) {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(Labels.NAME, name))
        .exec();
  }

  private boolean volumeExists(String name) {
    try {
      docker.inspectVolumeCmd("sandbox-" + name + "-postgres-data").exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private boolean networkExists(String name) {
    return !docker.listNetworksCmd().withNameFilter("sandbox-" + name).exec().isEmpty();
  }

  @Test
  @DisplayName("an orphan is listed by --dry-run, then removed with its network; its data stays")
  void orphan_removed_living_kept() throws Exception {
    Path living = Files.createDirectories(dir.resolve("living-root"));
    sandbox(orphan, dir.resolve("deleted-root"));
    sandbox(this.living, living);

    Run dry = run("gc", "--dry-run");
    assertThat(dry.code()).as(dry.out() + dry.err()).isZero();
    assertThat(dry.out())
        .contains("would remove '" + orphan + "'", dir.resolve("deleted-root") + " is gone")
        .doesNotContain(this.living);
    assertThat(containers(orphan)).hasSize(1);

    Run gc = run("gc");
    assertThat(gc.code()).as(gc.out() + gc.err()).isZero();
    assertThat(gc.out())
        .contains("removed container sandbox-" + orphan + "-postgres")
        .contains("removed network sandbox-" + orphan)
        .contains("data volumes kept")
        .doesNotContain(this.living);
    assertThat(containers(orphan)).isEmpty();
    assertThat(networkExists(orphan)).isFalse();
    assertThat(volumeExists(orphan)).as("data volumes stay unless --volumes").isTrue();
    // the sandbox whose root exists is untouched
    assertThat(containers(this.living)).hasSize(1);
    assertThat(networkExists(this.living)).isTrue();
    assertThat(volumeExists(this.living)).isTrue();

    assertThat(run("gc", "--dry-run").out()).doesNotContain(orphan, this.living);
  }

  @Test
  @DisplayName("down leaves a sandbox of another state folder alone, naming that folder")
  void down_refuses_another_roots_sandbox() throws Exception {
    Path other = Files.createDirectories(dir.resolve("other-home"));
    sandbox(living, other);
    sandbox(orphan, dir.resolve("deleted-root"));

    Run down = run("down", "--name", living);
    assertThat(down.code()).as(down.out() + down.err()).isEqualTo(1);
    assertThat(down.err())
        .contains("started with the state folder " + other)
        .contains("SANDBOX_HOME=" + other + " sandbox down --name " + living);
    assertThat(containers(living)).hasSize(1);
    assertThat(volumeExists(living)).as("its data is not touched").isTrue();

    Run gone = run("down", "--name", orphan);
    assertThat(gone.code()).isEqualTo(1);
    assertThat(gone.err()).contains("That folder is gone: `sandbox gc` removes what it left");
    assertThat(containers(orphan)).hasSize(1);
  }

  @Test
  @DisplayName("--volumes removes an orphan's data volumes too")
  void volumes_removed_when_asked() {
    sandbox(orphan, dir.resolve("deleted-root"));

    Run gc = run("gc", "--volumes");

    assertThat(gc.code()).as(gc.out() + gc.err()).isZero();
    assertThat(gc.out()).contains("removed volume sandbox-" + orphan + "-postgres-data");
    assertThat(containers(orphan)).isEmpty();
    assertThat(volumeExists(orphan)).isFalse();
  }
}
