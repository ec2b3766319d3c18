package dev.sandbox.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.Durations;
import dev.sandbox.ImageMap;
import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The corpus of bad inputs runs through the CLI in BadInputCorpusIT; this covers what passes. */
class PreflightTest {

  @TempDir Path dir;

  @Nested
  @DisplayName("stacks that work today pass the preflight")
  class Passes {

    @Test
    void the_orders_sample_with_its_kustomize_overlay() {
      Stack stack = StackLoader.load(Path.of("../samples/orders-service/sandbox.yaml"));

      assertThatNoException().isThrownBy(() -> Preflight.check(stack));
    }

    @Test
    void a_kustomization_with_a_remote_base_generators_and_patches() throws IOException {
      write(
          "k8s/kustomization.yaml",
          """
          resources:
            - app.yaml
            - https://github.com/example/base?ref=v1
          patches:
            - path: replicas.yaml
          configMapGenerator:
            - name: settings
              files: [app.properties, extra=extra.properties]
          """);
      write("k8s/app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n");
      write("k8s/replicas.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n");
      write("k8s/app.properties", "a=b\n");
      write("k8s/extra.properties", "c=d\n");
      write(
          "alerts.yaml",
          """
          groups:
            - name: orders
              rules:
                - alert: OrdersDown
                  expr: up == 0
          """);
      write(
          "sandbox.yaml",
          "version: 1\nmanifests: {paths: [k8s]}\nmonitoring: {rules: [alerts.yaml]}\n");

      Stack stack = StackLoader.load(dir.resolve("sandbox.yaml"));

      assertThatNoException().isThrownBy(() -> Preflight.check(stack));
    }

    @Test
    void empty_documents_and_a_byte_order_mark() throws IOException {
      write(
          "k8s/app.yaml",
          "\uFEFF---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n---\n");
      write("sandbox.yaml", "version: 1\nmanifests: {paths: [k8s]}\n");

      Stack stack = StackLoader.load(dir.resolve("sandbox.yaml"));

      assertThatNoException().isThrownBy(() -> Preflight.check(stack));
    }
  }

  @Nested
  @DisplayName("manifest errors count documents from 1")
  class DocumentNumbers {

    ManifestLoader loader = new ManifestLoader(Set.of(), ImageMap.empty(), path -> "");

    @Test
    void a_syntax_error_in_the_first_document_is_document_1() {
      assertThatThrownBy(() -> loader.parse("app.yaml", "a: [\n"))
          .isInstanceOf(SandboxException.ManifestApply.class)
          .hasMessageStartingWith("app.yaml:2:1: document 1: not valid YAML: ");
    }

    @Test
    void a_syntax_error_in_the_third_document_is_document_3() {
      String one = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n";
      assertThatThrownBy(() -> loader.parse("app.yaml", one + "---\n" + one + "---\na: [\n"))
          .hasMessageStartingWith("app.yaml:10:1: document 3: not valid YAML: ");
    }

    @Test
    void an_object_without_kind_names_its_document() {
      String one = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n";
      assertThatThrownBy(() -> loader.parse("app.yaml", one + "---\napiVersion: v1\n"))
          .hasMessage(
              "app.yaml: document 2: not a Kubernetes object (it needs apiVersion and kind). Fix or remove it.");
    }
  }

  @Nested
  @DisplayName("durations never throw and say the accepted range")
  class DurationRange {

    @Test
    void overflowing_numbers_are_not_durations() {
      assertThat(Durations.parse("99999999999999999999h")).isEmpty();
      assertThat(Durations.parse("9223372036854775807h")).isEmpty();
      assertThat(Durations.parse("1h30m")).contains(Duration.ofMinutes(90));
    }

    @Test
    void the_problem_names_the_range() {
      assertThat(Durations.problem("99999999999999999999h", Duration.ofHours(24)))
          .contains(
              "is longer than 24h; expected a duration from 1s to 24h, for example 90s, 5m or 1h30m.");
      assertThat(Durations.problem("90s", Duration.ofHours(24))).isEmpty();
      assertThat(Durations.format(Duration.ofSeconds(5430))).isEqualTo("1h30m30s");
    }
  }

  private void write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
