package dev.sandbox.k3s;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class K3sNodeTest {

  @Test
  void an_imported_image_is_named_the_way_containerd_names_it() {
    assertThat(K3sNode.normalised("orders-service:dev"))
        .isEqualTo("docker.io/library/orders-service:dev");
    assertThat(K3sNode.normalised("orders-service"))
        .isEqualTo("docker.io/library/orders-service:latest");
    assertThat(K3sNode.normalised("team/app:1")).isEqualTo("docker.io/team/app:1");
    assertThat(K3sNode.normalised("registry.corp:5000/team/app:1"))
        .isEqualTo("registry.corp:5000/team/app:1");
    assertThat(K3sNode.normalised("registry.corp:5000/team/app"))
        .isEqualTo("registry.corp:5000/team/app:latest");
    assertThat(K3sNode.normalised("localhost/app:2")).isEqualTo("localhost/app:2");
  }
}
