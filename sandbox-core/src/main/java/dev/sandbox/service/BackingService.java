package dev.sandbox.service;

import dev.sandbox.stack.Stack;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;

/**
 * A service the sandbox runs beside the cluster (PostgreSQL, RabbitMQ, ...). Adding one is a new
 * package with an implementation plus one line in {@code
 * META-INF/services/dev.sandbox.service.BackingService}. Internal SPI of the engine.
 */
public interface BackingService {

  /** Short id used in labels, progress and state: {@code postgres}, {@code rabbitmq}. */
  String id();

  boolean enabledIn(Stack stack);

  /** The official image the stack asks for, before the image map. */
  String officialImage(Stack stack);

  /**
   * A configured, not yet started container. {@code image} is already mapped; the engine adds the
   * network, labels, the data volume and loopback-only port bindings.
   *
   * @param existingData the data volume was kept from an earlier run (its credentials still hold)
   */
  GenericContainer<?> container(
      Stack stack, String image, Credentials credentials, boolean existingData);

  /** The in-cluster view: Service name, ports and the Secret production YAML reads. */
  ClusterBinding binding(Stack stack, Credentials credentials, String containerIp);

  /** Host-side connection details, as {@code name -> value} for state and {@code sandbox env}. */
  Map<String, String> hostDetails(
      Stack stack, Credentials credentials, Map<Integer, Integer> hostPorts);

  /** The container ports published on 127.0.0.1. */
  java.util.List<Integer> publishedPorts();

  /** The path of the data directory inside the container, kept in a named volume. */
  String dataPath();
}
