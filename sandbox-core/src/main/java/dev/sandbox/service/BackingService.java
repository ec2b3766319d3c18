package dev.sandbox.service;

import dev.sandbox.stack.ServiceSection;
import dev.sandbox.stack.ServiceSpec;
import dev.sandbox.stack.Stack;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;

/**
 * A service the sandbox runs beside the cluster (PostgreSQL, RabbitMQ, ...). A service contributes
 * everything about itself: its stack section and defaults, its container, its in-cluster wiring,
 * its host-side endpoint (what tests inject and {@code sandbox env} exports) and the images {@code
 * doctor} checks. Adding one is a package with an implementation plus one line in {@code
 * META-INF/services/dev.sandbox.service.BackingService}; nothing else in the sandbox names it.
 */
public interface BackingService {

  /**
   * Short id: its key under {@code services:} in the stack file, and its name in labels, progress
   * and state ({@code postgres}, {@code rabbitmq}).
   */
  String id();

  /** Its name for people: {@code PostgreSQL}. */
  String displayName();

  /**
   * Its stack section with every default, as YAML ({@code enabled: false} for a service a stack
   * must ask for). The embedded default stack's section, where it has one, wins.
   */
  String defaults();

  /** The keys of its section besides {@link ServiceSection#COMMON_KEYS}. */
  List<String> sectionKeys();

  /** Reads and checks its section; problems are reported at the offending key. */
  ServiceSpec read(ServiceSection section);

  /** Whether {@code stack} runs this service. */
  default boolean enabledIn(Stack stack) {
    return stack.service(id()).map(ServiceSpec::enabled).orElse(false);
  }

  /**
   * A configured, not yet started container. {@code image} is already mapped; the engine adds the
   * network, labels, the data volume and loopback-only port bindings.
   *
   * @param existingData the data volume was kept from an earlier run (its credentials still hold)
   */
  GenericContainer<?> container(
      ServiceSpec spec, String image, Credentials credentials, boolean existingData);

  /**
   * How the service runs as a pod on a cluster target (a StatefulSet the sandbox owns): its
   * environment, its command (empty: the image's own) and the command that says it is ready (empty:
   * its first port accepts connections).
   */
  record Workload(Map<String, String> env, List<String> command, List<String> readinessCommand) {
    public Workload {
      env = Map.copyOf(env);
      command = List.copyOf(command);
      readinessCommand = List.copyOf(readinessCommand);
    }
  }

  /** The pod's environment and readiness on a cluster target; see {@link Workload}. */
  Workload workload(ServiceSpec spec, Credentials credentials);

  /** The in-cluster view: Service name, ports and the Secret production YAML reads. */
  ClusterBinding binding(ServiceSpec spec, Credentials credentials, String containerIp);

  /** Host-side connection details, as {@code name -> value} for state and {@link #endpoint}. */
  Map<String, String> hostDetails(
      ServiceSpec spec, Credentials credentials, Map<Integer, Integer> hostPorts);

  /** The container ports published on 127.0.0.1. */
  List<Integer> publishedPorts();

  /** The path of the data directory inside the container, kept in a named volume. */
  String dataPath();

  /** The type tests inject to reach the service from the host ({@code PostgresEndpoint}). */
  Class<?> endpointType();

  /** The endpoint for host details as {@link #hostDetails} wrote them. */
  Object endpoint(Map<String, String> hostDetails);

  /** One line for {@code up}'s summary, without secrets: {@code jdbc:postgresql://... user x}. */
  String summary(Map<String, String> hostDetails);

  /** Shell variables {@code sandbox env} exports (secrets included: the user asked for them). */
  Map<String, String> environment(Map<String, String> hostDetails);
}
