package dev.sandbox.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.ImageMap;
import dev.sandbox.SandboxException;
import dev.sandbox.StackFileException;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Helm releases rendered in-process (helm-java's native Helm), without Docker: values files in
 * order, set overrides, a subchart in charts/, hooks, the image map, and errors that name the stack
 * file's line or the chart's template and line.
 */
class HelmChartsTest {

  @TempDir Path dir;

  @BeforeEach
  void copyTheTestChart() throws IOException {
    TestFiles.copyResource("/helm/web", dir.resolve("chart"));
  }

  private Stack stack(String helm) throws IOException {
    return StackLoader.load(
        Files.writeString(
            dir.resolve("sandbox.yaml"),
            "version: 1\nname: helm-unit\nmanifests:\n  helm:\n" + helm.indent(4)));
  }

  private static HelmCharts.Rendered render(Stack stack, ImageMap images) {
    return new ManifestLoader(Set.of(), images, d -> "")
        .loadRelease(stack.manifests().helm().get(0), HelmCharts.kubeVersion(stack));
  }

  @Nested
  @DisplayName("a chart renders as helm template would")
  class Rendering {

    @Test
    void values_files_apply_in_order_and_set_wins() throws IOException {
      Stack stack =
          stack(
              """
              - release: shop
                chart: chart
                namespace: shop
                values: [chart/values-prod.yaml, chart/values-eu.yaml]
                set: {greeting: from-set}
              """);
      HelmCharts.Rendered rendered = render(stack, ImageMap.empty());
      Manifest deployment = only(rendered, "Deployment");
      assertThat(deployment.name()).isEqualTo("shop-web");
      Map<String, Object> spec = spec(deployment);
      assertThat(spec.get("replicas")).isEqualTo(2); // values-prod.yaml
      assertThat(env(deployment))
          .containsEntry("GREETING", "from-set")
          .containsEntry("REGION", "eu");
      assertThat(deployment.origin()).contains("chart/templates/deployment.yaml (release shop)");
      assertThat(deployment.resource().getMetadata().getLabels())
          .containsEntry(HelmCharts.RELEASE_LABEL, "shop");
      assertThat(deployment.resource().getMetadata().getAnnotations())
          .containsEntry("meta.helm.sh/release-name", "shop")
          .containsEntry("meta.helm.sh/release-namespace", "shop");
    }

    @Test
    void a_subchart_in_charts_renders_with_the_parents_values() throws IOException {
      HelmCharts.Rendered rendered =
          render(
              stack("- {release: shop, chart: chart, values: [chart/values-prod.yaml]}"),
              ImageMap.empty());
      Manifest audit =
          rendered.objects().stream()
              .filter(m -> m.name().equals("shop-audit"))
              .findFirst()
              .orElseThrow();
      assertThat(audit.resource().getAdditionalProperties().get("data"))
          .isEqualTo(Map.of("level", "info"));
      assertThat(audit.source()).contains("chart/charts/audit/templates/configmap.yaml");
    }

    @Test
    void install_hooks_come_first_and_test_hooks_are_listed_as_skipped() throws IOException {
      HelmCharts.Rendered rendered =
          render(stack("- {release: shop, chart: chart}"), ImageMap.empty());
      assertThat(rendered.objects().get(0).name())
          .as("%s", rendered.objects().stream().map(Manifest::origin).toList())
          .isEqualTo("shop-pre-install");
      assertThat(rendered.objects()).extracting(Manifest::name).doesNotContain("shop-test");
      assertThat(rendered.skipped())
          .singleElement()
          .asString()
          .contains("pod/shop-test", "helm.sh/hook: test", "`helm test`");
    }

    @Test
    void images_are_rewritten_by_the_image_map_and_judged_as_written() throws IOException {
      HelmCharts.Rendered rendered =
          render(
              stack("- {release: shop, chart: chart}"),
              ImageMap.of(Map.of("alpine:3.17", "sandbox-local/alpine:3.17")));
      Manifest deployment = only(rendered, "Deployment");
      assertThat(image(deployment.resource().getAdditionalProperties()))
          .isEqualTo("sandbox-local/alpine:3.17");
      assertThat(image(deployment.written().getAdditionalProperties())).isEqualTo("alpine:3.17");
    }

    @Test
    void the_stack_fingerprint_sees_a_changed_release() throws IOException {
      String before = stack("- {release: shop, chart: chart}").fingerprint().get("manifests");
      String after =
          stack("- {release: shop, chart: chart, set: {replicas: '3'}}")
              .fingerprint()
              .get("manifests");
      assertThat(after).isNotEqualTo(before);
    }
  }

  @Nested
  @DisplayName("mistakes name where they are")
  class Errors {

    @Test
    void a_template_error_names_the_chart_template_and_line() throws IOException {
      Files.writeString(
          dir.resolve("chart/templates/broken.yaml"),
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ required \"dbHost is"
              + " required\" .Values.dbHost }}\n");
      Stack stack = stack("- {release: shop, chart: chart}");
      assertThatThrownBy(() -> render(stack, ImageMap.empty()))
          .isInstanceOf(SandboxException.ManifestApply.class)
          .hasMessageContaining(
              dir.resolve("sandbox.yaml") + ":5: Helm could not render release shop")
          .hasMessageContaining(dir.resolve("chart/templates/broken.yaml") + ":6:")
          .hasMessageContaining("dbHost is required")
          .hasMessageContaining("helm template shop chart");
    }

    @Test
    void the_preflight_renders_charts_before_anything_starts() throws IOException {
      Files.writeString(dir.resolve("chart/templates/broken.yaml"), "{{ .Values.nope.deeper }}\n");
      Stack stack = stack("- {release: shop, chart: chart}");
      assertThatThrownBy(() -> Preflight.check(stack))
          .isInstanceOf(SandboxException.ManifestApply.class)
          .hasMessageContaining("chart/templates/broken.yaml:1:");
    }

    @Test
    void a_dependency_missing_from_charts_says_to_vendor_it() throws IOException {
      TestFiles.deleteTree(dir.resolve("chart/charts"));
      Stack stack = stack("- {release: shop, chart: chart}");
      assertThatThrownBy(() -> render(stack, ImageMap.empty()))
          .hasMessageContaining("audit")
          .hasMessageContaining("helm dependency build chart");
    }

    @Test
    void stack_file_mistakes_have_line_and_column() throws IOException {
      assertThatThrownBy(() -> stack("- {release: shop, chart: nowhere}"))
          .isInstanceOf(StackFileException.class)
          .hasMessageContaining("sandbox.yaml:5:")
          .hasMessageContaining("'nowhere' does not exist");
      assertThatThrownBy(() -> stack("- {release: Shop_1, chart: chart}"))
          .hasMessageContaining("not a valid release name");
      assertThatThrownBy(() -> stack("- {release: shop, chart: chart, valus: [a.yaml]}"))
          .hasMessageContaining("unknown key. Did you mean 'values'?");
      assertThatThrownBy(() -> stack("- {release: shop, chart: 'https://charts.example.com/x'}"))
          .hasMessageContaining("helm pull");
      assertThatThrownBy(() -> stack("- {release: shop, chart: 'oci://example.com/charts/x'}"))
          .hasMessageContaining("needs a version");
      assertThatThrownBy(() -> stack("- {release: a, chart: chart}\n- {release: a, chart: chart}"))
          .hasMessageContaining("already declared on line 5");
      assertThatThrownBy(() -> stack("- {release: shop}"))
          .hasMessageContaining("a Helm release needs 'chart'");
    }

    @Test
    void a_kustomization_that_inflates_a_chart_gets_the_stack_file_form() throws IOException {
      Path overlay = Files.createDirectories(dir.resolve("k8s"));
      Files.writeString(
          overlay.resolve("kustomization.yaml"),
          """
          resources: []
          helmCharts:
            - name: web
              releaseName: shop
              namespace: shop
              valuesFile: values-prod.yaml
          """);
      Stack stack =
          StackLoader.load(
              Files.writeString(
                  dir.resolve("sandbox.yaml"), "version: 1\nname: k\nmanifests: {paths: [k8s]}\n"));
      assertThatThrownBy(() -> Preflight.check(stack))
          .isInstanceOf(SandboxException.ManifestApply.class)
          .hasMessageContaining(overlay.resolve("kustomization.yaml") + ":3:")
          .hasMessageContaining("--enable-helm")
          .hasMessageContaining("- release: shop")
          .hasMessageContaining("chart: charts/web")
          .hasMessageContaining("values: [values-prod.yaml]");
    }
  }

  private static Manifest only(HelmCharts.Rendered rendered, String kind) {
    List<Manifest> found = rendered.objects().stream().filter(m -> m.kind().equals(kind)).toList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(Manifest manifest) {
    return (Map<String, Object>) manifest.resource().getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> container(Map<String, Object> properties) {
    Map<String, Object> spec = (Map<String, Object>) properties.get("spec");
    Map<String, Object> template = (Map<String, Object>) spec.get("template");
    Map<String, Object> podSpec = (Map<String, Object>) template.get("spec");
    return ((List<Map<String, Object>>) podSpec.get("containers")).get(0);
  }

  private static String image(Map<String, Object> properties) {
    return (String) container(properties).get("image");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> env(Manifest manifest) {
    Map<String, String> result = new java.util.LinkedHashMap<>();
    for (Map<String, Object> e :
        (List<Map<String, Object>>)
            container(manifest.resource().getAdditionalProperties()).get("env")) {
      result.put((String) e.get("name"), (String) e.get("value"));
    }
    return result;
  }
}
