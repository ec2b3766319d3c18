package dev.sandbox.stack;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One backing service's section of a stack ({@code services.<id>}), as its service read it: what
 * every service has, plus its own settings (PostgreSQL's {@code database}, RabbitMQ's {@code
 * vhost}, ...) by key, already checked by the service.
 *
 * @param enabled whether the stack runs this service
 * @param image the official image the stack asks for, before the image map
 * @param serviceName the Service name production YAML reaches the service by
 * @param secret the Secret production YAML reads the connection details from
 * @param settings the service's own keys and their values
 */
public record ServiceSpec(
    boolean enabled,
    String image,
    String serviceName,
    Stack.Secret secret,
    Map<String, String> settings) {

  public ServiceSpec {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(serviceName, "serviceName");
    Objects.requireNonNull(secret, "secret");
    settings = Map.copyOf(settings);
  }

  /** One of the service's own settings, which its {@code read} always sets. */
  public String setting(String key) {
    String value = settings.get(key);
    if (value == null) {
      throw new IllegalStateException("service setting '" + key + "' was never read");
    }
    return value;
  }

  /**
   * Everything whose change needs a new container (image, own settings), as text: a change of it
   * makes {@code up} recreate the service, keeping its data volume.
   */
  public String containerFingerprint() {
    return enabled + "|" + image + "|" + new TreeMap<>(settings);
  }
}
