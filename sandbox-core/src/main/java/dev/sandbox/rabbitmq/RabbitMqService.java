package dev.sandbox.rabbitmq;

import dev.sandbox.service.BackingService;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.service.Credentials;
import dev.sandbox.stack.ServiceSection;
import dev.sandbox.stack.ServiceSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;
import org.testcontainers.utility.DockerImageName;

/** RabbitMQ (with the management plugin) through Testcontainers' RabbitMQ module. */
public final class RabbitMqService implements BackingService {

  static final int AMQP = 5672;
  static final int MANAGEMENT = 15672;
  private static final String VHOST = "vhost";

  private static final List<String> SECRET_KEYS =
      List.of("host", "port", "vhost", "username", "password", "uri");

  @Override
  public String id() {
    return "rabbitmq";
  }

  @Override
  public String displayName() {
    return "RabbitMQ";
  }

  @Override
  public String defaults() {
    return """
        enabled: true
        version: 4.1-management
        vhost: /
        service-name: rabbitmq
        secret:
          name: rabbitmq-credentials
          keys: {host: host, port: port, vhost: vhost, username: username, password: password, uri: uri}
        """;
  }

  @Override
  public List<String> sectionKeys() {
    return List.of(VHOST);
  }

  @Override
  public ServiceSpec read(ServiceSection section) {
    return new ServiceSpec(
        section.enabled(),
        "rabbitmq:" + section.version(),
        section.serviceName(),
        section.secret(SECRET_KEYS, "rabbitmq", Map.of(VHOST, "virtual-host")),
        Map.of(VHOST, section.get(VHOST).nonBlank("a virtual host such as /")));
  }

  @Override
  public GenericContainer<?> container(
      ServiceSpec spec, String image, Credentials credentials, boolean existingData) {
    return new RabbitMQContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("rabbitmq"))
        .withAdminUser(credentials.username())
        .withAdminPassword(credentials.password())
        .withEnv("RABBITMQ_DEFAULT_VHOST", spec.setting(VHOST));
  }

  @Override
  public Workload workload(ServiceSpec spec, Credentials credentials) {
    return new Workload(
        Map.of(
            "RABBITMQ_DEFAULT_USER", credentials.username(),
            "RABBITMQ_DEFAULT_PASS", credentials.password(),
            "RABBITMQ_DEFAULT_VHOST", spec.setting(VHOST)),
        List.of(),
        List.of());
  }

  @Override
  public ClusterBinding binding(ServiceSpec spec, Credentials credentials, String containerIp) {
    String vhost = spec.setting(VHOST);
    RabbitEndpoint inCluster =
        new RabbitEndpoint(
            spec.serviceName(),
            AMQP,
            MANAGEMENT,
            vhost,
            credentials.username(),
            credentials.password());
    Map<String, String> logical = new LinkedHashMap<>();
    logical.put("host", inCluster.host());
    logical.put("port", String.valueOf(AMQP));
    logical.put("vhost", vhost);
    logical.put("username", inCluster.username());
    logical.put("password", inCluster.password());
    logical.put("uri", inCluster.amqpUri());
    return ClusterBinding.of(
        displayName(), spec, containerIp, Map.of("amqp", AMQP, "management", MANAGEMENT), logical);
  }

  @Override
  public Map<String, String> hostDetails(
      ServiceSpec spec, Credentials credentials, Map<Integer, Integer> hostPorts) {
    RabbitEndpoint mq =
        new RabbitEndpoint(
            "127.0.0.1",
            hostPorts.get(AMQP),
            hostPorts.get(MANAGEMENT),
            spec.setting(VHOST),
            credentials.username(),
            credentials.password());
    Map<String, String> details = new LinkedHashMap<>();
    details.put("host", mq.host());
    details.put("port", String.valueOf(mq.amqpPort()));
    details.put("management-port", String.valueOf(mq.managementPort()));
    details.put("vhost", mq.vhost());
    details.put("username", mq.username());
    details.put("password", mq.password());
    details.put("uri", mq.amqpUri());
    return details;
  }

  @Override
  public List<Integer> publishedPorts() {
    return List.of(AMQP, MANAGEMENT);
  }

  @Override
  public String dataPath() {
    return "/var/lib/rabbitmq";
  }

  @Override
  public Class<?> endpointType() {
    return RabbitEndpoint.class;
  }

  @Override
  public RabbitEndpoint endpoint(Map<String, String> d) {
    return new RabbitEndpoint(
        d.get("host"),
        Integer.parseInt(d.get("port")),
        Integer.parseInt(d.get("management-port")),
        d.get("vhost"),
        d.get("username"),
        d.get("password"));
  }

  @Override
  public String summary(Map<String, String> hostDetails) {
    RabbitEndpoint mq = endpoint(hostDetails);
    return "amqp://"
        + mq.host()
        + ":"
        + mq.amqpPort()
        + "  management "
        + mq.managementUrl()
        + "  user "
        + mq.username();
  }

  @Override
  public Map<String, String> environment(Map<String, String> hostDetails) {
    RabbitEndpoint mq = endpoint(hostDetails);
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("AMQP_URL", mq.amqpUri());
    vars.put("SANDBOX_RABBITMQ_MANAGEMENT_URL", mq.managementUrl());
    return vars;
  }
}
