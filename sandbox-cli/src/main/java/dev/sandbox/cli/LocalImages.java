package dev.sandbox.cli;

import dev.sandbox.ImageMap;
import dev.sandbox.ProgressListener;
import dev.sandbox.ProgressListener.Event;
import dev.sandbox.RequiredImages;
import dev.sandbox.SandboxConfig;
import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Before {@code up} starts anything: makes sure every image the stack runs is on this machine, and
 * on a machine where they are neither present nor pullable builds local stand-ins from the recipes
 * of the clone ({@code ci/images}), reporting each image and the time it took, and writes their
 * image map (the generated layer of the user config, {@link SandboxConfig#localImagesFile}).
 *
 * <p>The recipes are shell and Dockerfiles, shared with {@code ./mvnw verify}, which runs the same
 * {@code ci/images/prepare.sh} before the integration tests; this class only hands it the images
 * (after the image map) and renders its progress lines. The launcher {@code ./sandbox} names the
 * recipes ({@code SANDBOX_IMAGE_RECIPES}); an installed CLI has none and leaves missing images to
 * the engine, which pulls them once or fails naming the image-map fix.
 */
final class LocalImages {

  /** Environment variable naming the folder of image recipes (a clone's {@code ci/images}). */
  static final String RECIPES_ENV = "SANDBOX_IMAGE_RECIPES";

  private static final String COMPONENT = "images";
  private static final int TAIL = 15;

  private LocalImages() {}

  /**
   * Runs the recipes' {@code prepare.sh} for the stack's images: quick when they are all there;
   * builds what is missing and not pullable unless {@code noBuild}, which fails instead (exit 3).
   */
  static void prepare(Environment env, Stack stack, boolean noBuild, ProgressListener progress) {
    String recipes = env.env().get(RECIPES_ENV);
    if (recipes == null || recipes.isBlank()) {
      return;
    }
    Path script = Path.of(recipes).resolve("prepare.sh");
    if (!Files.isRegularFile(script)) {
      throw new SandboxException(
          RECIPES_ENV
              + "="
              + recipes
              + " holds no prepare.sh. Point it at the ci/images folder of a sandbox clone, or"
              + " unset it (then missing images are pulled).");
    }
    SandboxConfig config = env.config();
    ImageMap map = env.engine().imageMap(stack);
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.add("--map");
    command.add(SandboxConfig.localImagesFile(env.env(), env.home()).toString());
    if (noBuild) {
      command.add("--no-build");
    }
    command.add("--");
    for (String official : RequiredImages.of(stack)) {
      command.add(official + "=" + map.apply(official));
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env.env());
    builder.environment().put("HOME", env.home().toString());
    if (config.offline()) {
      builder.environment().put(SandboxConfig.OFFLINE_ENV, "true");
    }
    Path log = env.stateRoot().resolve("images-build.log");
    run(builder, log, progress, !env.terminal());
  }

  private static void run(
      ProcessBuilder builder, Path log, ProgressListener progress, boolean heartbeat) {
    long start = System.nanoTime();
    // plain output (CI) shows no spinner: say every minute what is still building, so a log
    // watcher with an output timeout does not take the k3s build (~10 minutes) for a hang
    Map<String, Long> building = new ConcurrentHashMap<>();
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "sandbox-images-heartbeat");
              thread.setDaemon(true);
              return thread;
            });
    if (heartbeat) {
      ticker.scheduleAtFixedRate(
          () ->
              building.forEach(
                  (image, since) ->
                      progress.onEvent(
                          Event.info(
                              image,
                              "still building ("
                                  + Duration.ofNanos(System.nanoTime() - since).toMinutes()
                                  + " min)"))),
          1,
          1,
          TimeUnit.MINUTES);
    }
    Deque<String> tail = new ArrayDeque<>();
    String error = null;
    int present = 0;
    int built = 0;
    int exit;
    try {
      Files.createDirectories(log.getParent());
      Process process = builder.start();
      try (Writer file = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
          BufferedReader lines =
              new BufferedReader(
                  new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          file.write(line);
          file.write('\n');
          file.flush();
          tail.addLast(line);
          if (tail.size() > TAIL) {
            tail.removeFirst();
          }
          if (line.startsWith("prepare: present ")) {
            present++;
          } else if (line.startsWith("prepare: info ")) {
            progress.onEvent(Event.info(COMPONENT, line.substring("prepare: info ".length())));
          } else if (line.startsWith("prepare: error ")) {
            error = line.substring("prepare: error ".length());
          } else if (line.startsWith("build-all: start ")) {
            String image = line.substring("build-all: start ".length()).strip();
            building.put(image, System.nanoTime());
            progress.onEvent(Event.started(image, "building"));
          } else if (line.startsWith("build-all: done ")) {
            String rest = line.substring("build-all: done ".length()).strip();
            building.remove(rest.split("\\s+")[0]);
            built += done(rest, log, progress);
          }
        }
      } finally {
        ticker.shutdownNow();
        exit = waitFor(process);
      }
    } catch (IOException e) {
      throw new SandboxException(
          "Could not run the image recipes (" + String.join(" ", builder.command()) + "): " + e, e);
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    if (exit == 3) {
      throw new SandboxException.ImageUnavailable(
          "the local stand-ins",
          error != null ? error : "Images are missing and --no-build forbids building them.");
    }
    if (exit != 0) {
      throw new SandboxException(
          (error != null ? error : "Preparing the local images failed (exit " + exit + ")")
              + ". Last lines:\n  "
              + String.join("\n  ", tail)
              + "\nFull output: "
              + log
              + ". Fix the cause and run `./sandbox up` again: images already built are kept.");
    }
    progress.onEvent(
        Event.done(
            COMPONENT,
            built == 0
                ? "all " + present + " present locally, none built"
                : built + " built, " + present + " present (output: " + log + ")",
            elapsed));
  }

  /** Renders one "IMAGE STATUS SECONDS" line; returns 1 when the image was built. */
  private static int done(String rest, Path log, ProgressListener progress) {
    String[] parts = rest.split("\\s+");
    if (parts.length < 3) {
      return 0;
    }
    String image = parts[0];
    Duration took;
    try {
      took = Duration.ofMillis((long) (Double.parseDouble(parts[parts.length - 1]) * 1000));
    } catch (NumberFormatException e) {
      took = Duration.ZERO;
    }
    switch (parts[1]) {
      case "built" -> {
        progress.onEvent(Event.done(image, "built", took));
        return 1;
      }
      case "FAILED" -> progress.onEvent(Event.failed(image, "build failed; see " + log, took));
      default -> progress.onEvent(Event.done(image, "present, up to date", took));
    }
    return 0;
  }

  private static int waitFor(Process process) {
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      process.destroy();
      Thread.currentThread().interrupt();
      throw new SandboxException("Interrupted while preparing the local images.", e);
    }
  }
}
