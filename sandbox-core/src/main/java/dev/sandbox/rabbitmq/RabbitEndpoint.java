package dev.sandbox.rabbitmq;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * How to reach the sandbox's RabbitMQ from the host.
 *
 * @param host host to connect to (127.0.0.1)
 * @param amqpPort published AMQP port
 * @param managementPort published management UI/API port
 * @param vhost the virtual host
 * @param username generated user
 * @param password generated password; never printed unless asked
 */
public record RabbitEndpoint(
    String host, int amqpPort, int managementPort, String vhost, String username, String password) {

  /** The AMQP URI, with credentials (treat it as a secret). */
  public String amqpUri() {
    return "amqp://"
        + enc(username)
        + ":"
        + enc(password)
        + "@"
        + host
        + ":"
        + amqpPort
        + "/"
        + enc(vhost);
  }

  public String managementUrl() {
    return "http://" + host + ":" + managementPort + "/";
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "RabbitEndpoint[amqp://" + username + "@" + host + ":" + amqpPort + "]";
  }
}
