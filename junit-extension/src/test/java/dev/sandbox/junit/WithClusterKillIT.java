package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.HostEnvironment;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * A JVM holding a sandbox is killed with SIGKILL — no shutdown hook, no {@code close()} — and
 * Testcontainers' resource reaper still removes every container, network and volume of it.
 */
class WithClusterKillIT {

  private static final String STACK = "it-junit-kill";

  @Test
  void a_killed_jvm_leaves_no_labelled_container_network_or_volume_after_30_seconds()
      throws Exception {
    assertThat(DockerClientFactory.instance().isDockerAvailable())
        .as("WithClusterKillIT needs a Docker engine")
        .isTrue();
    Process child = ChildJvm.of(HoldsASandbox.class).start();
    StringBuffer output = new StringBuffer();
    CountDownLatch holding = new CountDownLatch(1);
    // the throwaway sandbox's name: the stack name plus the run suffix, as the child prints it
    AtomicReference<String> held = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              try (var lines =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  output.append(line).append('\n');
                  if (line.startsWith(HoldsASandbox.HOLDING + STACK + "-")) {
                    held.set(line.substring(HoldsASandbox.HOLDING.length()));
                    holding.countDown();
                  }
                }
              } catch (java.io.IOException e) {
                // the child died: the stream closes
              }
            });
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(holding.await(5, TimeUnit.MINUTES))
          .as("the child JVM holds a sandbox; its output:%n%s", output)
          .isTrue();
      String name = held.get();
      assertThat(name).matches(STACK + "-[a-z0-9]{6}");
      assertThat(containers(name)).as("containers while the JVM lives").isNotEmpty();

      child.destroyForcibly(); // SIGKILL on Linux and macOS: like kill -9
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
      Instant killed = Instant.now();

      Instant deadline = killed.plus(Duration.ofSeconds(30));
      while (Instant.now().isBefore(deadline)
          && !(containers(name).isEmpty() && networks(name).isEmpty() && volumes(name).isEmpty())) {
        Thread.sleep(1000);
      }
      assertThat(containers(name)).as("containers 30 s after kill -9").isEmpty();
      assertThat(networks(name)).as("networks 30 s after kill -9").isEmpty();
      assertThat(volumes(name)).as("volumes 30 s after kill -9").isEmpty();
    } finally {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
      // the reaper removes what runs in Docker; the killed JVM's state folder (kubeconfig and
      // credentials of a sandbox that no longer exists) stays behind in the state root, so the
      // test removes it rather than leave one per run there
      if (held.get() != null) {
        deleteTree(
            HostEnvironment.stateRoot(System.getenv(), Path.of(System.getProperty("user.home")))
                .resolve(held.get()));
      }
    }
  }

  private static void deleteTree(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (var paths = Files.walk(folder)) {
      for (var path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static List<?> containers(String name) {
    return DockerClientFactory.instance()
        .client()
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of("dev.sandbox.name", name))
        .exec();
  }

  private static List<?> networks(String name) {
    return DockerClientFactory.instance()
        .client()
        .listNetworksCmd()
        .withFilter("label", List.of("dev.sandbox.name=" + name))
        .exec();
  }

  private static List<?> volumes(String name) {
    return DockerClientFactory.instance()
        .client()
        .listVolumesCmd()
        .withFilter("label", List.of("dev.sandbox.name=" + name))
        .exec()
        .getVolumes();
  }
}
