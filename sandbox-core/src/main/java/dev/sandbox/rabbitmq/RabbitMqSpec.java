package dev.sandbox.rabbitmq;

import dev.sandbox.stack.ServiceSpec;
import dev.sandbox.stack.Stack;
import java.util.Objects;

/**
 * The stack's {@code services.rabbitmq} section.
 *
 * @param version a tag of the official {@code rabbitmq} image
 * @param vhost the virtual host created for the application
 */
public record RabbitMqSpec(
    boolean enabled, String version, String vhost, String serviceName, Stack.Secret secret)
    implements ServiceSpec {

  public RabbitMqSpec {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(vhost, "vhost");
    Objects.requireNonNull(serviceName, "serviceName");
    Objects.requireNonNull(secret, "secret");
  }

  @Override
  public String image() {
    return "rabbitmq:" + version;
  }

  @Override
  public String containerFingerprint() {
    return enabled + "|" + version + "|" + vhost;
  }
}
