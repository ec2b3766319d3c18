package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import dev.sandbox.testing.RequiresDocker;
import dev.sandbox.testing.TestFiles;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository laid out for GitOps, brought up from what its Flux and Argo CD objects point at in
 * the working tree, against the real k3s with the policy packs: a Flux Kustomization (its path in
 * its target namespace), a Flux HelmRelease (a chart with a values file and inline values) and an
 * Argo CD Application (a folder into its destination namespace).
 */
@RequiresDocker
class GitOpsIT {

  @TempDir Path repo;

  @Test
  @DisplayName(
      "Flux Kustomization, Flux HelmRelease and Argo CD Application apply from the working tree")
  void gitops_sources_apply_what_they_point_at() throws Exception {
    Files.createDirectories(repo.resolve(".git"));
    TestFiles.copyResource("/helm/web", repo.resolve("charts/web"));
    Files.createDirectories(repo.resolve("apps/orders"));
    Files.writeString(
        repo.resolve("apps/orders/settings.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: orders-settings, namespace: elsewhere}\n"
            + "data: {mode: prod}\n");
    Files.createDirectories(repo.resolve("apps/audit"));
    Files.writeString(
        repo.resolve("apps/audit/audit.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: audit-settings}\ndata: {level: info}\n");
    Files.createDirectories(repo.resolve("clusters/prod"));
    Files.writeString(
        repo.resolve("clusters/prod/platform.yaml"),
        """
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: {name: orders, namespace: flux-system}
        spec:
          path: ./apps/orders
          sourceRef: {kind: GitRepository, name: platform}
          targetNamespace: orders
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
            greeting: from-flux
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: {name: audit, namespace: argocd}
        spec:
          source: {repoURL: https://git.example.com/platform.git, path: apps/audit}
          destination: {server: https://kubernetes.default.svc, namespace: audit}
        """);
    Files.createDirectories(repo.resolve("deploy"));
    Stack stack =
        StackLoader.load(
            Files.writeString(
                repo.resolve("deploy/sandbox.yaml"),
                """
                version: 1
                name: it-gitops
                manifests:
                  gitops: [../clusters/prod/platform.yaml]
                services:
                  postgres: {enabled: false}
                  rabbitmq: {enabled: false}
                monitoring: {enabled: false}
                readiness: {timeout: 3m}
                """));
    SandboxConfig config =
        SandboxConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    SandboxEngine engine = new SandboxEngine(config, repo.resolve("state"));
    try (Sandbox sandbox = engine.up(stack, UpOptions.defaults(), ProgressListener.NONE)) {
      KubernetesClient k8s = sandbox.client();
      // Flux's targetNamespace moves even an object that names another namespace
      assertThat(k8s.configMaps().inNamespace("orders").withName("orders-settings").get())
          .isNotNull();
      assertThat(k8s.configMaps().inNamespace("elsewhere").withName("orders-settings").get())
          .isNull();
      // Flux names the release <targetNamespace>-<name>: shop-web, whose chart names it
      // shop-web-web
      Deployment web = k8s.apps().deployments().inNamespace("shop").withName("shop-web-web").get();
      assertThat(web.getStatus().getReadyReplicas()).isEqualTo(2); // the values file
      assertThat(web.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
          .anySatisfy(
              e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("GREETING=from-flux"));
      // Argo CD's destination namespace for an object that names none
      assertThat(k8s.configMaps().inNamespace("audit").withName("audit-settings").get().getData())
          .containsEntry("level", "info");
      // every namespace the sources use is guarded
      for (String namespace : new String[] {"orders", "shop", "audit"}) {
        assertThat(k8s.namespaces().withName(namespace).get().getMetadata().getLabels())
            .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
      }
    } finally {
      engine.down("it-gitops", false, ProgressListener.NONE);
    }
  }
}
