package dev.sandbox.postgres;

import dev.sandbox.service.BackingService;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.service.Credentials;
import dev.sandbox.stack.ServiceSection;
import dev.sandbox.stack.ServiceSpec;
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
  private static final String DATABASE = "database";

  private static final List<String> SECRET_KEYS =
      List.of("host", "port", "database", "username", "password", "jdbc-url", "uri");

  @Override
  public String id() {
    return "postgres";
  }

  @Override
  public String displayName() {
    return "PostgreSQL";
  }

  @Override
  public String defaults() {
    return """
        enabled: true
        version: "17"
        database: app
        service-name: postgres
        secret:
          name: postgres-credentials
          keys: {host: host, port: port, database: database, username: username, password: password, jdbc-url: jdbc-url, uri: uri}
        """;
  }

  @Override
  public List<String> sectionKeys() {
    return List.of(DATABASE);
  }

  @Override
  public ServiceSpec read(ServiceSection section) {
    var entry = section.get(DATABASE);
    String database = entry.nonBlank("a database name");
    if (!database.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
      throw entry.error(
          "'"
              + database
              + "' is not a plain PostgreSQL identifier; use letters, digits and '_', for example orders.");
    }
    return new ServiceSpec(
        section.enabled(),
        "postgres:" + section.version(),
        section.serviceName(),
        section.secret(SECRET_KEYS, "postgresql", Map.of()),
        Map.of(DATABASE, database));
  }

  @Override
  public GenericContainer<?> container(
      ServiceSpec spec, String image, Credentials credentials, boolean existingData) {
    PostgreSQLContainer container =
        new PostgreSQLContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"))
            .withDatabaseName(spec.setting(DATABASE))
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
  public Workload workload(ServiceSpec spec, Credentials credentials) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("POSTGRES_DB", spec.setting(DATABASE));
    env.put("POSTGRES_USER", credentials.username());
    env.put("POSTGRES_PASSWORD", credentials.password());
    // a sub-folder: a fresh volume's root may hold lost+found, which initdb refuses
    env.put("PGDATA", dataPath() + "/pgdata");
    // over TCP: the entrypoint's temporary initialisation server listens on the socket only
    return new Workload(
        env,
        List.of(),
        List.of(
            "pg_isready",
            "-h",
            "127.0.0.1",
            "-p",
            String.valueOf(PORT),
            "-U",
            credentials.username(),
            "-d",
            spec.setting(DATABASE)));
  }

  @Override
  public ClusterBinding binding(ServiceSpec spec, Credentials credentials, String containerIp) {
    PostgresEndpoint inCluster =
        new PostgresEndpoint(
            spec.serviceName(),
            PORT,
            spec.setting(DATABASE),
            credentials.username(),
            credentials.password());
    Map<String, String> logical = new LinkedHashMap<>();
    logical.put("host", inCluster.host());
    logical.put("port", String.valueOf(PORT));
    logical.put("database", inCluster.database());
    logical.put("username", inCluster.username());
    logical.put("password", inCluster.password());
    logical.put("jdbc-url", inCluster.jdbcUrl());
    logical.put("uri", inCluster.uriWithPassword());
    return ClusterBinding.of(displayName(), spec, containerIp, Map.of("postgres", PORT), logical);
  }

  @Override
  public Map<String, String> hostDetails(
      ServiceSpec spec, Credentials credentials, Map<Integer, Integer> hostPorts) {
    int port = hostPorts.get(PORT);
    String database = spec.setting(DATABASE);
    Map<String, String> details = new LinkedHashMap<>();
    details.put("host", "127.0.0.1");
    details.put("port", String.valueOf(port));
    details.put("database", database);
    details.put("username", credentials.username());
    details.put("password", credentials.password());
    details.put("jdbc-url", "jdbc:postgresql://127.0.0.1:" + port + "/" + database);
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

  @Override
  public Class<?> endpointType() {
    return PostgresEndpoint.class;
  }

  @Override
  public PostgresEndpoint endpoint(Map<String, String> d) {
    return new PostgresEndpoint(
        d.get("host"),
        Integer.parseInt(d.get("port")),
        d.get("database"),
        d.get("username"),
        d.get("password"));
  }

  @Override
  public String summary(Map<String, String> hostDetails) {
    PostgresEndpoint pg = endpoint(hostDetails);
    return pg.jdbcUrl() + "  user " + pg.username();
  }

  @Override
  public Map<String, String> environment(Map<String, String> hostDetails) {
    PostgresEndpoint pg = endpoint(hostDetails);
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("SANDBOX_POSTGRES_JDBC_URL", pg.jdbcUrl());
    vars.put("DATABASE_URL", pg.uriWithPassword());
    vars.put("PGHOST", pg.host());
    vars.put("PGPORT", String.valueOf(pg.port()));
    vars.put("PGDATABASE", pg.database());
    vars.put("PGUSER", pg.username());
    vars.put("PGPASSWORD", pg.password());
    return vars;
  }
}
