package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageMapTest {

  private final ImageMap map =
      ImageMap.of(
          Map.of(
              "postgres", "mirror.corp/postgres",
              "rabbitmq:4.1-management", "sandbox-local/rabbitmq:4.1-management",
              "prom/prometheus", "sandbox-local/prometheus:v3"));

  @Test
  void an_exact_entry_wins() {
    assertThat(map.apply("rabbitmq:4.1-management"))
        .isEqualTo("sandbox-local/rabbitmq:4.1-management");
  }

  @Test
  void a_repository_entry_keeps_the_original_tag() {
    assertThat(map.apply("postgres:17")).isEqualTo("mirror.corp/postgres:17");
    assertThat(map.apply("docker.io/library/postgres:16")).isEqualTo("mirror.corp/postgres:16");
  }

  @Test
  void a_repository_entry_with_its_own_tag_replaces_the_tag() {
    assertThat(map.apply("prom/prometheus:v3.5.0")).isEqualTo("sandbox-local/prometheus:v3");
  }

  @Test
  void unmapped_images_are_left_alone() {
    assertThat(map.apply("rabbitmq:3")).isEqualTo("rabbitmq:3");
    assertThat(map.apply("orders-service:dev")).isEqualTo("orders-service:dev");
  }

  @Test
  void later_maps_override_earlier_ones() {
    ImageMap user = ImageMap.of(Map.of("postgres", "sandbox-local/postgres"));
    assertThat(map.overriddenBy(user).apply("postgres:17")).isEqualTo("sandbox-local/postgres:17");
  }
}
