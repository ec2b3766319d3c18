package dev.sandbox.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.StackFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flux Kustomizations and HelmReleases and Argo CD Applications read from the working tree: each
 * becomes the folder or chart it points at, with its namespace and values; what is not read yet is
 * an error at its line.
 */
class GitOpsSourcesTest {

  @TempDir Path repo;

  @BeforeEach
  void aRepository() throws IOException {
    Files.createDirectories(repo.resolve(".git"));
    Files.createDirectories(repo.resolve("apps/orders"));
    Files.writeString(
        repo.resolve("apps/orders/settings.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n");
    Files.createDirectories(repo.resolve("charts/web/templates"));
    Files.writeString(
        repo.resolve("charts/web/Chart.yaml"), "apiVersion: v2\nname: web\nversion: 1.0.0\n");
    Files.writeString(repo.resolve("charts/web/values-prod.yaml"), "replicas: 2\n");
    Files.createDirectories(repo.resolve("deploy"));
  }

  private Stack stack(String gitopsFile, String text) throws IOException {
    Path file = repo.resolve(gitopsFile);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    return StackLoader.load(
        Files.writeString(
            repo.resolve("deploy/sandbox.yaml"),
            "version: 1\nname: gitops\nmanifests:\n  gitops: [../" + gitopsFile + "]\n"));
  }

  @Test
  void a_flux_kustomization_is_its_path_in_its_target_namespace() throws IOException {
    Stack stack =
        stack(
            "clusters/prod/orders.yaml",
            """
            apiVersion: kustomize.toolkit.fluxcd.io/v1
            kind: Kustomization
            metadata: {name: orders, namespace: flux-system}
            spec:
              interval: 10m
              path: ./apps/orders
              prune: true
              sourceRef: {kind: GitRepository, name: platform}
              targetNamespace: orders
            """);
    assertThat(stack.manifests().targeted())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.path()).isEqualTo(repo.resolve("apps/orders"));
              assertThat(t.namespace()).isEqualTo("orders");
              assertThat(t.override()).isTrue();
              assertThat(t.declaredAt()).endsWith("orders.yaml:1 (Kustomization/orders)");
            });
  }

  @Test
  void a_flux_helm_release_is_its_chart_with_values_files_and_inline_values() throws IOException {
    Stack stack =
        stack(
            "clusters/prod/web.yaml",
            """
            apiVersion: kustomize.toolkit.fluxcd.io/v1
            kind: Kustomization
            metadata: {name: orders}
            spec: {path: ./apps/orders, sourceRef: {kind: GitRepository, name: platform}}
            ---
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata: {name: web, namespace: flux-system}
            spec:
              targetNamespace: shop
              chart:
                spec:
                  chart: ./charts/web
                  sourceRef: {kind: GitRepository, name: platform}
                  valuesFiles: [charts/web/values-prod.yaml]
              values:
                greeting: flux
                image: {tag: "3.17"}
            """);
    assertThat(stack.manifests().targeted())
        .singleElement()
        .satisfies(t -> assertThat(t.override()).isFalse());
    Stack.HelmRelease release = stack.manifests().helm().get(0);
    assertThat(release.release()).isEqualTo("shop-web"); // Flux's default: target namespace-name
    assertThat(release.namespace()).isEqualTo("shop");
    assertThat(release.chartPath()).contains(repo.resolve("charts/web"));
    assertThat(release.values()).containsExactly(repo.resolve("charts/web/values-prod.yaml"));
    assertThat(release.inlineValues().orElseThrow()).contains("greeting: flux", "tag: '3.17'");
    assertThat(release.declaredAt()).endsWith("web.yaml:6 (HelmRelease/web)");
  }

  @Test
  void an_argo_application_is_its_chart_or_its_folder_with_its_destination() throws IOException {
    Stack stack =
        stack(
            "argo/apps.yaml",
            """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: web, namespace: argocd}
            spec:
              project: default
              source:
                repoURL: https://git.example.com/platform.git
                targetRevision: main
                path: charts/web
                helm:
                  releaseName: storefront
                  valueFiles: [values-prod.yaml]
                  parameters:
                    - {name: image.tag, value: "3.17"}
                  valuesObject: {greeting: argo}
              destination: {server: https://kubernetes.default.svc, namespace: shop}
            ---
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: orders}
            spec:
              source: {repoURL: https://git.example.com/platform.git, path: apps/orders}
              destination: {namespace: orders}
            """);
    Stack.HelmRelease release = stack.manifests().helm().get(0);
    assertThat(release.release()).isEqualTo("storefront");
    assertThat(release.namespace()).isEqualTo("shop");
    assertThat(release.values()).containsExactly(repo.resolve("charts/web/values-prod.yaml"));
    assertThat(release.set()).isEqualTo(Map.of("image.tag", "3.17"));
    assertThat(release.inlineValues()).isEqualTo(Optional.of("greeting: argo\n"));
    assertThat(stack.manifests().targeted())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.path()).isEqualTo(repo.resolve("apps/orders"));
              assertThat(t.namespace()).isEqualTo("orders");
              assertThat(t.override()).isFalse();
            });
  }

  @Test
  void what_is_not_read_yet_is_an_error_at_its_line() throws IOException {
    assertThatThrownBy(
            () ->
                stack(
                    "flux/repo.yaml",
                    """
                    apiVersion: helm.toolkit.fluxcd.io/v2
                    kind: HelmRelease
                    metadata: {name: web}
                    spec:
                      chart:
                        spec:
                          chart: web
                          sourceRef: {kind: HelmRepository, name: bitnami}
                    """))
        .isInstanceOf(StackFileException.class)
        .hasMessageContaining("repo.yaml:8:")
        .hasMessageContaining("a HelmRepository source is not fetched");
    assertThatThrownBy(
            () ->
                stack(
                    "flux/patches.yaml",
                    """
                    apiVersion: kustomize.toolkit.fluxcd.io/v1
                    kind: Kustomization
                    metadata: {name: orders}
                    spec:
                      path: ./apps/orders
                      patches: []
                    """))
        .hasMessageContaining("patches.yaml:6:")
        .hasMessageContaining("patches is not applied by the sandbox yet");
    assertThatThrownBy(
            () ->
                stack(
                    "flux/missing.yaml",
                    """
                    apiVersion: kustomize.toolkit.fluxcd.io/v1
                    kind: Kustomization
                    metadata: {name: orders}
                    spec: {path: ./apps/payments}
                    """))
        .hasMessageContaining("missing.yaml:4:")
        .hasMessageContaining("does not exist in the working tree")
        .hasMessageContaining("the repository's root is " + repo);
    assertThatThrownBy(
            () ->
                stack("flux/plain.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"))
        .hasMessageContaining("not a GitOps source the sandbox reads (v1 ConfigMap)");
  }
}
