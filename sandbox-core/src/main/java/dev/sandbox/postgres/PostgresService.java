package dev.sandbox.postgres;

import dev.sandbox.service.BackingService;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.service.Credentials;
import dev.sandbox.stack.Stack;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** PostgreSQL through Testcontainers' PostgreSQL module. */
public final class PostgresService implements BackingService {

  static final int PORT = 5432;

  @Override
  public String id() {
    return "postgres";
  }

  @Override
  public boolean enabledIn(Stack stack) {
    return stack.postgres().enabled();
  }

  @Override
  public String officialImage(Stack stack) {
    return stack.postgres().image();
  }

  @Override
  public GenericContainer<?> container(
      Stack stack, String image, Credentials credentials, boolean existingData) {
    PostgreSQLContainer container =
        new PostgreSQLContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"))
            .withDatabaseName(stack.postgres().database())
            .withUsername(credentials.username())
            .withPassword(credentials.password());
    if (existingData) {
      // The official entrypoint logs "ready" twice only when it initialises an empty data directory
      // (a temporary server, then the real one); on a kept volume it starts once.
      container.waitingFor(
          Wait.forLogMessage(".*database system is ready to accept connections.*\\s", 1)
              .withStartupTimeout(Duration.ofSeconds(120)));
    }
    return container;
  }

  @Override
  public ClusterBinding binding(Stack stack, Credentials credentials, String containerIp) {
    Stack.Postgres spec = stack.postgres();
    String host = spec.serviceName();
    Map<String, String> logical = new LinkedHashMap<>();
    logical.put("host", host);
    logical.put("port", String.valueOf(PORT));
    logical.put("database", spec.database());
    logical.put("username", credentials.username());
    logical.put("password", credentials.password());
    logical.put("jdbc-url", "jdbc:postgresql://" + host + ":" + PORT + "/" + spec.database());
    logical.put(
        "uri",
        "postgresql://"
            + credentials.username()
            + ":"
            + credentials.password()
            + "@"
            + host
            + ":"
            + PORT
            + "/"
            + spec.database());
    return new ClusterBinding(
        spec.serviceName(),
        containerIp,
        Map.of("postgres", PORT),
        spec.secret().name(),
        rename(logical, spec.secret().keys()));
  }

  @Override
  public Map<String, String> hostDetails(
      Stack stack, Credentials credentials, Map<Integer, Integer> hostPorts) {
    int port = hostPorts.get(PORT);
    Map<String, String> details = new LinkedHashMap<>();
    details.put("host", "127.0.0.1");
    details.put("port", String.valueOf(port));
    details.put("database", stack.postgres().database());
    details.put("username", credentials.username());
    details.put("password", credentials.password());
    details.put(
        "jdbc-url", "jdbc:postgresql://127.0.0.1:" + port + "/" + stack.postgres().database());
    return details;
  }

  @Override
  public List<Integer> publishedPorts() {
    return List.of(PORT);
  }

  @Override
  public String dataPath() {
    return "/var/lib/postgresql/data";
  }

  static Map<String, String> rename(Map<String, String> logical, Map<String, String> keyNames) {
    Map<String, String> data = new LinkedHashMap<>();
    logical.forEach((key, value) -> data.put(keyNames.getOrDefault(key, key), value));
    return data;
  }
}
