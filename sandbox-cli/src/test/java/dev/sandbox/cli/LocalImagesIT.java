package dev.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/**
 * {@code up} from a clone ({@code SANDBOX_IMAGE_RECIPES} = the clone's {@code ci/images}) on this
 * machine, whose Docker engine holds the locally built images and reaches no registry: with the
 * images present it builds nothing, writes their image map and starts; with an image missing and
 * {@code --no-build} it fails within seconds naming the command to run, and starts nothing.
 */
@DisplayName("up makes sure its images are here before it starts anything")
class LocalImagesIT {

  private static final Path RECIPES = Path.of("").toAbsolutePath().getParent().resolve("ci/images");

  @TempDir Path dir;

  /** The local k3s image the recipes name (its tag carries the recipe's revision). */
  private static String localK3s() throws java.io.IOException {
    java.util.Properties images = new java.util.Properties();
    try (var in = Files.newInputStream(RECIPES.resolve("images.properties"))) {
      images.load(in);
    }
    return images.getProperty("rancher/k3s");
  }

  record Run(int code, String out, String err, Duration took) {}

  @BeforeEach
  void docker() {
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException("LocalImagesIT needs a Docker engine");
    }
  }

  /** A machine with no user config and no generated map yet: only the images themselves. */
  Run run(Map<String, String> extra, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> env = new HashMap<>(System.getenv());
    env.remove("SANDBOX_CONFIG");
    env.remove("SANDBOX_NAME");
    env.remove("SANDBOX_FILE");
    env.remove("SANDBOX_OFFLINE");
    env.put("SANDBOX_HOME", dir.resolve("state").toString());
    env.put("SANDBOX_LOCAL_IMAGES", dir.resolve("local-images.yaml").toString());
    env.putAll(extra);
    Environment environment = new Environment(env, dir.resolve("home"), dir, false);
    Instant start = Instant.now();
    int code =
        Cli.create(environment, new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    return new Run(code, out.toString(), err.toString(), Duration.between(start, Instant.now()));
  }

  private void stack(String name) throws Exception {
    Files.writeString(
        dir.resolve("sandbox.yaml"),
        """
        version: 1
        name: %s
        services: {rabbitmq: {enabled: false}}
        policies: {packs: []}
        monitoring: {enabled: false}
        readiness: {timeout: 3m}
        """
            .formatted(name));
  }

  @Test
  @DisplayName("with every image present, up builds nothing, writes the image map and starts")
  void images_present_nothing_is_built() throws Exception {
    stack("it-images");
    try {
      Run up = run(Map.of(LocalImages.RECIPES_ENV, RECIPES.toString()), "up");

      assertThat(up.code()).as(up.out() + up.err()).isZero();
      assertThat(up.out())
          .contains("images", "present locally, none built")
          .contains("Sandbox 'it-images' is ready.")
          .doesNotContain("building");
      // the recipes' builder never ran: its output (kept in the log) has no build line at all
      String log = Files.readString(dir.resolve("state/images-build.log"));
      assertThat(log)
          .contains("prepare: present rancher/k3s:v1.34.4-k3s1 -> " + localK3s() + "\n")
          .doesNotContain("build-all:");
      assertThat(Files.readString(dir.resolve("local-images.yaml")))
          .contains("\"rancher/k3s\": \"" + localK3s() + "\"")
          .contains("\"postgres\": \"sandbox-local/postgres:17\"");
    } finally {
      Run down = run(Map.of(), "down", "--purge");
      assertThat(down.code()).as(down.err()).isZero();
    }
  }

  @Test
  @DisplayName("--no-build with an image missing fails within seconds, naming the command to run")
  void no_build_fails_fast_naming_the_command() throws Exception {
    // recipes whose postgres stand-in was never built: a copy of the real scripts
    Path recipes = Files.createDirectories(dir.resolve("recipes"));
    for (String script : List.of("prepare.sh", "build-all.sh")) {
      Files.copy(RECIPES.resolve(script), recipes.resolve(script));
    }
    Files.writeString(
        recipes.resolve("images.properties"),
        Files.readString(RECIPES.resolve("images.properties"))
            .replace(
                "postgres=sandbox-local/postgres:17",
                "postgres=sandbox-local/postgres:not-built-by-this-test"));
    stack("it-no-build");

    Run up =
        run(
            Map.of(LocalImages.RECIPES_ENV, recipes.toString(), "SANDBOX_OFFLINE", "true"),
            "up",
            "--no-build");

    assertThat(up.code()).as(up.out() + up.err()).isEqualTo(ExitCode.NOT_READY.code());
    assertThat(up.took()).isLessThan(Duration.ofSeconds(15));
    assertThat(up.err())
        .contains("sandbox-local/postgres:not-built-by-this-test")
        .contains("Run `./sandbox up` without --no-build")
        .doesNotContain("at dev.sandbox");
    assertThat(up.out()).doesNotContain("build-all:", "building");
    // nothing started, nothing written for the name
    assertThat(
            DockerClientFactory.instance()
                .client()
                .listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of("dev.sandbox.name", "it-no-build"))
                .exec())
        .isEmpty();
    assertThat(dir.resolve("state/it-no-build")).doesNotExist();
    assertThat(dir.resolve("local-images.yaml")).doesNotExist();
  }
}
