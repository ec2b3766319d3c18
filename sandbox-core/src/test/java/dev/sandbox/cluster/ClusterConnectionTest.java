package dev.sandbox.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.SandboxException;
import dev.sandbox.stack.Stack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConnectionTest {

  private static final String KUBECONFIG =
      """
      apiVersion: v1
      kind: Config
      clusters:
        - name: prod
          cluster: {server: 'https://prod.example:6443', certificate-authority: certs/prod-ca.crt}
        - name: shared
          cluster: {server: 'https://shared.example:6443', certificate-authority-data: Q0E=}
      users:
        - name: ci
          user: {token: secret-token}
        - name: admin
          user: {client-certificate: admin.crt, client-key: admin.key}
      contexts:
        - name: prod
          context: {cluster: prod, user: admin}
        - name: shared
          context: {cluster: shared, user: ci, namespace: default}
      current-context: prod
      """;

  private static Stack.Target target(Path file, String context) {
    return new Stack.Target(
        Optional.of(context), Optional.of(file), Map.of(), Duration.ofHours(1), Map.of(), Map.of());
  }

  @Test
  void only_the_named_context_is_kept_with_its_namespace_and_absolute_paths(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("config");
    Files.writeString(file, KUBECONFIG);
    String shared = ClusterConnection.kubeconfig(target(file, "shared"), "orders-1-sandbox");
    assertThat(shared)
        .contains("https://shared.example:6443")
        .contains("secret-token")
        .contains("namespace: orders-1-sandbox")
        .contains("current-context: shared")
        .doesNotContain("prod.example")
        .doesNotContain("admin.key");
    String prod = ClusterConnection.kubeconfig(target(file, "prod"), "x");
    assertThat(prod)
        .contains(dir.resolve("certs/prod-ca.crt").toString())
        .contains(dir.resolve("admin.key").toString());
  }

  @Test
  void an_unknown_context_names_the_files_read_and_the_contexts_they_hold(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("config");
    Files.writeString(file, KUBECONFIG);
    assertThatThrownBy(() -> ClusterConnection.kubeconfig(target(file, "staging"), "x"))
        .isInstanceOf(SandboxException.class)
        .hasMessageContaining("No kubeconfig context named 'staging' in [" + file + "]")
        .hasMessageContaining("its contexts: prod, shared")
        .hasMessageContaining("--context");
  }
}
