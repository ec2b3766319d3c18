package dev.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sandbox.SandboxException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeContextsTest {

  @TempDir Path home;

  private static String sandboxKubeconfig(String name) {
    String entry = "sandbox-" + name;
    return "apiVersion: v1\nkind: Config\nclusters:\n- name: "
        + entry
        + "\n  cluster: {server: 'https://127.0.0.1:6443', certificate-authority-data: Q0E=}\n"
        + "users:\n- name: "
        + entry
        + "\n  user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}\n"
        + "contexts:\n- name: "
        + entry
        + "\n  context: {cluster: "
        + entry
        + ", user: "
        + entry
        + "}\ncurrent-context: "
        + entry
        + "\n";
  }

  private static final String TEAM =
      "apiVersion: v1\nkind: Config\npreferences: {}\n"
          + "clusters:\n- name: prod\n  cluster: {server: 'https://prod.example:6443'}\n"
          + "users:\n- name: me\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
          + "      command: aws\n      args: [eks, get-token]\n"
          + "contexts:\n- name: prod\n  context: {cluster: prod, user: me, namespace: orders}\n"
          + "current-context: prod\n";

  /** ~/.kube/config holding a team's own cluster, user (an exec plugin) and context. */
  private Path teamConfig() throws java.io.IOException {
    Path config = home.resolve(".kube/config");
    Files.createDirectories(config.getParent());
    Files.writeString(config, TEAM);
    return config;
  }

  @Nested
  @DisplayName("~/.kube/config when KUBECONFIG is not set")
  class DefaultFile {

    @Test
    void merge_keeps_other_contexts_adds_the_sandbox_and_switches_to_it() throws Exception {
      Path config = teamConfig();

      KubeContexts.merge(Map.of(), home, "orders", sandboxKubeconfig("orders"));

      String merged = Files.readString(config);
      assertThat(merged)
          .contains(
              "name: \"prod\"", "server: \"https://prod.example:6443\"", "namespace: \"orders\"")
          .contains("command: \"aws\"", "get-token")
          .contains("name: \"sandbox-orders\"", "server: \"https://127.0.0.1:6443\"")
          .contains("current-context: \"sandbox-orders\"");
      assertThat(Files.list(config.getParent()))
          .as("no lock or temporary file left")
          .containsExactly(config);
    }

    @Test
    void the_file_is_owner_only_and_merging_twice_keeps_one_entry() throws Exception {
      KubeContexts.merge(Map.of(), home, "orders", sandboxKubeconfig("orders"));
      KubeContexts.merge(Map.of(), home, "orders", sandboxKubeconfig("orders"));
      Path config = home.resolve(".kube/config");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
          .isEqualTo("rw-------");
      String merged = Files.readString(config);
      assertThat(merged.split("name: \"sandbox-orders\"", -1)).hasSize(4); // cluster, user, context
    }

    @Test
    void remove_takes_out_only_the_sandbox_and_clears_the_current_context() throws Exception {
      Path config = teamConfig();
      KubeContexts.merge(Map.of(), home, "orders", sandboxKubeconfig("orders"));

      assertThat(KubeContexts.remove(Map.of(), home, "orders")).isTrue();

      String left = Files.readString(config);
      assertThat(left).doesNotContain("sandbox-orders").contains("name: \"prod\"", "get-token");
      assertThat(KubeContexts.remove(Map.of(), home, "orders")).isFalse();
    }

    @Test
    void a_held_lock_file_is_respected_and_named() throws Exception {
      Path config = teamConfig();
      Files.createFile(home.resolve(".kube/config.lock"));

      Throwable busy =
          catchThrowable(
              () -> KubeContexts.merge(Map.of(), home, "orders", sandboxKubeconfig("orders")));

      assertThat(busy)
          .isInstanceOf(SandboxException.class)
          .hasMessageContaining("config.lock exists");
      assertThat(Files.readString(config)).isEqualTo(TEAM);
    }
  }

  @Nested
  @DisplayName("KUBECONFIG as a list of files, as kubectl reads it")
  class KubeconfigList {

    @Test
    void new_entries_go_to_the_first_file_and_a_stale_copy_in_a_later_one_is_removed()
        throws Exception {
      Path first = home.resolve("first.yaml");
      Path second = home.resolve("second.yaml");
      Files.writeString(second, sandboxKubeconfig("orders").replace("6443", "7000"));
      Map<String, String> env = Map.of("KUBECONFIG", first + File.pathSeparator + second);

      KubeContexts.merge(env, home, "orders", sandboxKubeconfig("orders"));

      assertThat(Files.readString(first)).contains("sandbox-orders", "127.0.0.1:6443");
      assertThat(Files.readString(second)).doesNotContain("sandbox-orders");
      assertThat(home.resolve(".kube/config")).doesNotExist();
      assertThat(KubeContexts.file(env, home)).isEqualTo(first);

      assertThat(KubeContexts.remove(env, home, "orders")).isTrue();
      assertThat(Files.readString(first)).doesNotContain("sandbox-orders");
    }
  }
}
