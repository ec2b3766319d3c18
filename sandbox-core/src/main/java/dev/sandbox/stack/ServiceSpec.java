package dev.sandbox.stack;

/**
 * One backing service's section of a stack ({@code services.<id>}), as its service read it. Each
 * service has its own record (PostgreSQL's database, RabbitMQ's virtual host, ...); the rest of the
 * sandbox sees only what every service has.
 */
public interface ServiceSpec {

  /** Whether the stack runs this service. */
  boolean enabled();

  /** The official image the stack asks for, before the image map. */
  String image();

  /** The Service name production YAML reaches the service by. */
  String serviceName();

  /** The Secret production YAML reads the connection details from. */
  Stack.Secret secret();

  /**
   * Everything whose change needs a new container (version, database, ...), as text: a change of it
   * makes {@code up} recreate the service, keeping its data volume.
   */
  String containerFingerprint();
}
