package dev.sandbox.k3s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class KustomizeTest {

  @Test
  void errors_name_the_users_folder_instead_of_the_nodes_scratch_copy() {
    Path root = Path.of("/home/dev/orders");

    assertThat(
            Kustomize.failure(
                root.resolve("k8s/overlays/dev"),
                root,
                "error: accumulating resources: accumulation err='accumulating resources from"
                    + " '../../base': '/tmp/sandbox-kustomize/k8s/base' must resolve to a file'"))
        .isEqualTo(
            "kustomize could not render /home/dev/orders/k8s/overlays/dev: error: accumulating"
                + " resources: accumulation err='accumulating resources from '../../base':"
                + " '/home/dev/orders/k8s/base' must resolve to a file' Fix the kustomization"
                + " (`kubectl kustomize /home/dev/orders/k8s/overlays/dev` shows the same error).");
  }

  @Test
  void the_scratch_folder_itself_becomes_the_root() {
    assertThat(Kustomize.userPaths("in /tmp/sandbox-kustomize: no kustomization", Path.of("/a/b")))
        .isEqualTo("in /a/b: no kustomization");
  }
}
