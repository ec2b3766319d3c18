package dev.sandbox.testservice;

import dev.sandbox.service.BackingService;
import dev.sandbox.service.ClusterBinding;
import dev.sandbox.service.Credentials;
import dev.sandbox.stack.ServiceSection;
import dev.sandbox.stack.ServiceSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A third backing service that exists only on the test classpath (registered in the tests' own
 * {@code META-INF/services}): busybox's httpd answering "{greeting} {token}". It proves that a
 * service plugs in with one package and one registration line — stack section and defaults,
 * container, wiring, endpoint and environment — while nothing else in the sandbox names it.
 */
public final class GreeterService implements BackingService {

  static final int PORT = 8080;

  @Override
  public String id() {
    return "greeter";
  }

  @Override
  public String displayName() {
    return "Greeter";
  }

  @Override
  public String defaults() {
    return """
        enabled: false
        version: "3.17"
        greeting: hello
        service-name: greeter
        secret:
          name: greeter-credentials
          keys: {url: url, token: token}
        """;
  }

  @Override
  public List<String> sectionKeys() {
    return List.of("greeting");
  }

  @Override
  public ServiceSpec read(ServiceSection section) {
    var greeting = section.get("greeting");
    String value = greeting.nonBlank("a word to answer with");
    if (!value.matches("[a-z]+")) {
      throw greeting.error("'" + value + "' is not one lower-case word, for example hello.");
    }
    return new ServiceSpec(
        section.enabled(),
        "alpine:" + section.version(),
        section.serviceName(),
        section.secret(List.of("url", "token"), "greeter", Map.of()),
        Map.of("greeting", value));
  }

  @Override
  public GenericContainer<?> container(
      ServiceSpec spec, String image, Credentials credentials, boolean existingData) {
    return new GenericContainer<>(DockerImageName.parse(image))
        .withEnv("ANSWER", spec.setting("greeting") + " " + credentials.password())
        .withCommand(
            "sh",
            "-c",
            "mkdir -p /data/www && echo \"$ANSWER\" > /data/www/index.html"
                + " && exec httpd -f -p "
                + PORT
                + " -h /data/www")
        .waitingFor(Wait.forHttp("/").forPort(PORT));
  }

  @Override
  public Workload workload(ServiceSpec spec, Credentials credentials) {
    return new Workload(
        Map.of("ANSWER", spec.setting("greeting") + " " + credentials.password()),
        List.of(
            "sh",
            "-c",
            "mkdir -p /tmp/www && echo \"$ANSWER\" > /tmp/www/index.html && exec httpd -f -p "
                + PORT
                + " -h /tmp/www"),
        List.of());
  }

  @Override
  public ClusterBinding binding(ServiceSpec spec, Credentials credentials, String containerIp) {
    Map<String, String> logical = new LinkedHashMap<>();
    logical.put("url", "http://" + spec.serviceName() + ":" + PORT + "/");
    logical.put("token", credentials.password());
    return ClusterBinding.of(displayName(), spec, containerIp, Map.of("http", PORT), logical);
  }

  @Override
  public Map<String, String> hostDetails(
      ServiceSpec spec, Credentials credentials, Map<Integer, Integer> hostPorts) {
    return Map.of(
        "url", "http://127.0.0.1:" + hostPorts.get(PORT) + "/", "token", credentials.password());
  }

  @Override
  public List<Integer> publishedPorts() {
    return List.of(PORT);
  }

  @Override
  public String dataPath() {
    return "/data";
  }

  @Override
  public Class<?> endpointType() {
    return GreeterEndpoint.class;
  }

  @Override
  public GreeterEndpoint endpoint(Map<String, String> hostDetails) {
    return new GreeterEndpoint(hostDetails.get("url"), hostDetails.get("token"));
  }

  @Override
  public String summary(Map<String, String> hostDetails) {
    return hostDetails.get("url");
  }

  @Override
  public Map<String, String> environment(Map<String, String> hostDetails) {
    return Map.of("GREETER_URL", hostDetails.get("url"), "GREETER_TOKEN", hostDetails.get("token"));
  }
}
