package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxStateTest {

  @Test
  void to_string_prints_no_password_neither_as_a_detail_nor_inside_a_uri() {
    SandboxState state =
        new SandboxState(
            "orders",
            "abc123",
            Map.of(),
            "embedded",
            "0.1.0",
            Instant.EPOCH,
            "/home/me/.sandbox/orders/kubeconfig",
            6443,
            Map.of("k3s", "c1"),
            Map.of(
                "postgres",
                Map.of(
                    "username", "orders",
                    "password", "s3cr3t-pg",
                    "jdbc-url", "jdbc:postgresql://127.0.0.1:5432/orders"),
                "rabbitmq",
                Map.of(
                    "password", "s3cr3t-mq",
                    "uri", "amqp://orders:s3cr3t-mq@127.0.0.1:5672/%2F")),
            true);

    String printed = state.toString();

    assertThat(printed)
        .doesNotContain("s3cr3t")
        .contains("name=orders")
        .contains("username=orders")
        .contains("password=****")
        .contains("uri=amqp://orders:****@127.0.0.1:5672/%2F")
        .contains("jdbc-url=jdbc:postgresql://127.0.0.1:5432/orders");
    // the record's data is untouched: only its printing hides the secrets
    assertThat(state.services().get("postgres")).containsEntry("password", "s3cr3t-pg");
  }
}
