package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inner loop: {@code apply} skips the platform steps whose inputs did not change since they
 * last ran in this cluster, runs them again when their inputs change (a new namespace), and {@code
 * apply --all} restores what was removed by hand.
 */
@RequiresDocker
class SkipUnchangedIT {

  @TempDir Path dir;

  private final List<ProgressListener.Event> events = new CopyOnWriteArrayList<>();

  @Test
  @DisplayName("apply skips unchanged platform steps, reruns changed ones, and --all reruns all")
  void unchanged_platform_steps_are_skipped() throws Exception {
    Files.createDirectories(dir.resolve("k8s"));
    Stack stack =
        StackLoader.load(
            Files.writeString(
                dir.resolve("sandbox.yaml"),
                """
                version: 1
                name: it-skip-unchanged
                manifests: {paths: [k8s]}
                services:
                  postgres: {enabled: false}
                  rabbitmq: {enabled: false}
                policies: {packs: [network]}
                monitoring: {enabled: false}
                readiness: {timeout: 2m}
                """));
    SandboxEngine engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))),
            dir.resolve("state"));
    writeManifests("1", false);
    try (Sandbox sandbox = engine.up(stack, UpOptions.defaults(), ProgressListener.NONE)) {
      KubernetesClient k8s = sandbox.client();
      assertThat(denyAll(k8s, "default")).isTrue();

      // a YAML-only change: the policies are not applied again, the manifests are
      writeManifests("2", false);
      assertThat(apply(engine, stack, false)).containsEntry("policies", "unchanged");
      assertThat(k8s.configMaps().inNamespace("default").withName("settings").get().getData())
          .containsEntry("round", "2");

      // a namespace more: the policies' inputs changed, so they run and guard it too
      writeManifests("3", true);
      assertThat(apply(engine, stack, false)).containsEntry("policies", "ran");
      assertThat(denyAll(k8s, "extra")).isTrue();

      // removed by hand: a plain apply trusts its marks, --all restores it
      k8s.network()
          .v1()
          .networkPolicies()
          .inNamespace("default")
          .withName("sandbox-default-deny")
          .delete();
      assertThat(apply(engine, stack, false)).containsEntry("policies", "unchanged");
      assertThat(denyAll(k8s, "default")).isFalse();
      assertThat(apply(engine, stack, true)).containsEntry("policies", "ran");
      assertThat(denyAll(k8s, "default")).isTrue();
      // and the next plain apply skips again
      assertThat(apply(engine, stack, false)).containsEntry("policies", "unchanged");
    } finally {
      engine.down("it-skip-unchanged", false, ProgressListener.NONE);
    }
  }

  /** Runs apply; per step that reported, "unchanged" (skipped) or "ran". */
  private java.util.Map<String, String> apply(SandboxEngine engine, Stack stack, boolean all) {
    events.clear();
    engine.apply(stack, false, all, events::add);
    java.util.Map<String, String> steps = new java.util.LinkedHashMap<>();
    for (ProgressListener.Event event : events) {
      if (event.phase() == ProgressListener.Phase.DONE) {
        steps.put(
            event.component(),
            event.message().startsWith("unchanged since the last deploy") ? "unchanged" : "ran");
      }
    }
    return steps;
  }

  private void writeManifests(String round, boolean extraNamespace) throws Exception {
    Files.writeString(
        dir.resolve("k8s/app.yaml"),
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {round: "%s"}
        """
                .formatted(round)
            + (extraNamespace
                ? """
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: extra}
                """
                : ""));
  }

  private static boolean denyAll(KubernetesClient k8s, String namespace) {
    return k8s.network()
            .v1()
            .networkPolicies()
            .inNamespace(namespace)
            .withName("sandbox-default-deny")
            .get()
        != null;
  }
}
