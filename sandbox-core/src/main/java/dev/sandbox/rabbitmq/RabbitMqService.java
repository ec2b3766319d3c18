package dev.sandbox.rabbitmq;

import dev.sandbox.service.BackingService;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.service.Credentials;
import dev.sandbox.stack.Stack;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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

  @Override
  public String id() {
    return "rabbitmq";
  }

  @Override
  public boolean enabledIn(Stack stack) {
    return stack.rabbitmq().enabled();
  }

  @Override
  public String officialImage(Stack stack) {
    return stack.rabbitmq().image();
  }

  @Override
  public GenericContainer<?> container(
      Stack stack, String image, Credentials credentials, boolean existingData) {
    return new RabbitMQContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("rabbitmq"))
        .withAdminUser(credentials.username())
        .withAdminPassword(credentials.password())
        .withEnv("RABBITMQ_DEFAULT_VHOST", stack.rabbitmq().vhost());
  }

  @Override
  public ClusterBinding binding(Stack stack, Credentials credentials, String containerIp) {
    Stack.RabbitMq spec = stack.rabbitmq();
    String host = spec.serviceName();
    Map<String, String> logical = new LinkedHashMap<>();
    logical.put("host", host);
    logical.put("port", String.valueOf(AMQP));
    logical.put("vhost", spec.vhost());
    logical.put("username", credentials.username());
    logical.put("password", credentials.password());
    logical.put("uri", uri(credentials, host, AMQP, spec.vhost()));
    Map<String, String> data = new LinkedHashMap<>();
    logical.forEach((key, value) -> data.put(spec.secret().keys().getOrDefault(key, key), value));
    return new ClusterBinding(
        spec.serviceName(),
        containerIp,
        Map.of("amqp", AMQP, "management", MANAGEMENT),
        spec.secret().name(),
        data);
  }

  @Override
  public Map<String, String> hostDetails(
      Stack stack, Credentials credentials, Map<Integer, Integer> hostPorts) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("host", "127.0.0.1");
    details.put("port", String.valueOf(hostPorts.get(AMQP)));
    details.put("management-port", String.valueOf(hostPorts.get(MANAGEMENT)));
    details.put("vhost", stack.rabbitmq().vhost());
    details.put("username", credentials.username());
    details.put("password", credentials.password());
    details.put(
        "uri", uri(credentials, "127.0.0.1", hostPorts.get(AMQP), stack.rabbitmq().vhost()));
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

  private static String uri(Credentials credentials, String host, int port, String vhost) {
    return "amqp://"
        + enc(credentials.username())
        + ":"
        + enc(credentials.password())
        + "@"
        + host
        + ":"
        + port
        + "/"
        + enc(vhost);
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
