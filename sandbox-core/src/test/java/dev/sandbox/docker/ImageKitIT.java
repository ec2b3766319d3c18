package dev.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.sandbox.SandboxException;
import dev.sandbox.testing.RequiresDocker;
import dev.sandbox.testing.TestImages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The unmodified Testcontainers modules, asked for the official images, run the local stand-ins
 * through the sandbox's image map (SANDBOX_CONFIG, set by .ci/run).
 */
@RequiresDocker
class ImageKitIT {

  @Nested
  @DisplayName("PostgreSQLContainer on the official name")
  class Postgres {

    @Test
    void starts_the_mapped_image_and_honours_user_password_and_database() throws Exception {
      try (PostgreSQLContainer postgres =
          new PostgreSQLContainer(TestImages.POSTGRES)
              .withDatabaseName("orders")
              .withUsername("orders_app")
              .withPassword("s3cret-Pw")) {
        postgres.start();

        assertThat(postgres.getDockerImageName()).doesNotStartWith("postgres:");
        try (var connection =
                DriverManager.getConnection(postgres.getJdbcUrl(), "orders_app", "s3cret-Pw");
            ResultSet rs =
                connection
                    .createStatement()
                    .executeQuery("select current_database(), current_user, version()")) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo("orders");
          assertThat(rs.getString(2)).isEqualTo("orders_app");
          assertThat(rs.getString(3)).startsWith("PostgreSQL 17");
        }
      }
    }
  }

  @Nested
  @DisplayName("RabbitMQContainer on the official name")
  class RabbitMq {

    @Test
    void starts_the_mapped_image_with_amqp_and_the_management_api() throws Exception {
      try (RabbitMQContainer rabbit =
          new RabbitMQContainer(TestImages.RABBITMQ)
              .withAdminUser("orders")
              .withAdminPassword("s3cret-Pw")) {
        rabbit.start();

        assertThat(rabbit.getDockerImageName()).doesNotStartWith("rabbitmq:");
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(rabbit.getAmqpUrl());
        factory.setUsername("orders");
        factory.setPassword("s3cret-Pw");
        try (var connection = factory.newConnection();
            var channel = connection.createChannel()) {
          channel.queueDeclare("order.created", false, false, true, null);
          channel.basicPublish("", "order.created", null, "42".getBytes(StandardCharsets.UTF_8));
          GetResponse message = null;
          Instant deadline = Instant.now().plusSeconds(10);
          while (message == null && Instant.now().isBefore(deadline)) {
            message = channel.basicGet("order.created", true);
          }
          assertThat(message).isNotNull();
          assertThat(new String(message.getBody(), StandardCharsets.UTF_8)).isEqualTo("42");
        }
        HttpResponse<String> overview =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create(rabbit.getHttpUrl() + "/api/overview"))
                        .header(
                            "Authorization",
                            "Basic "
                                + Base64.getEncoder().encodeToString("orders:s3cret-Pw".getBytes()))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(overview.statusCode()).isEqualTo(200);
        assertThat(overview.body()).contains("\"rabbitmq_version\"");
      }
    }
  }

  @Nested
  @DisplayName("offline, a missing image")
  class Offline {

    private static final String MISSING = "registry.invalid/sandbox/not-built:1.0";

    @Test
    void fails_fast_naming_the_image_and_how_to_provide_it() {
      Instant start = Instant.now();
      GenericContainer<?> container =
          new GenericContainer<>(DockerImageName.parse(MISSING))
              .withImagePullPolicy(new SandboxPullPolicy(true));

      assertThatThrownBy(container::start)
          .hasStackTraceContaining(
              "Image " + MISSING + " is not in the local Docker engine and sandbox is offline")
          .hasStackTraceContaining("image-map");
      assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(20));
      container.close();
    }

    @Test
    void the_policy_itself_refuses_without_touching_a_registry() {
      assertThatThrownBy(
              () -> new SandboxPullPolicy(true).shouldPull(DockerImageName.parse(MISSING)))
          .isInstanceOf(SandboxException.ImageUnavailable.class)
          .hasMessageContaining(MISSING);
    }

    @Test
    void online_an_image_no_registry_serves_fails_within_seconds_naming_the_fix() {
      // one pull, answered by the engine at once; not Testcontainers' two-minute retry loop
      Instant start = Instant.now();
      assertThatThrownBy(
              () -> SandboxPullPolicy.ensureLocal("registry.invalid/nope/app:1.0", false))
          .isInstanceOf(SandboxException.ImageUnavailable.class)
          .hasMessageStartingWith(
              "Image registry.invalid/nope/app:1.0 is not in the local Docker engine and could not"
                  + " be pulled (")
          .hasMessageContaining("image-map");
      assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void present_images_are_never_pulled() {
      String local = new PostgreSQLContainer(TestImages.POSTGRES).getDockerImageName();
      assertThat(new SandboxPullPolicy(true).shouldPull(DockerImageName.parse(local))).isFalse();
    }
  }
}
