package dev.sandbox.stack;

import dev.sandbox.Durations;
import dev.sandbox.ImageMap;
import dev.sandbox.SandboxException;
import dev.sandbox.SandboxName;
import dev.sandbox.StackFileException;
import dev.sandbox.manifest.YamlInput;
import dev.sandbox.service.BackingService;
import dev.sandbox.service.Registry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads stack files ({@code sandbox.yaml}, schema version 1) into {@link Stack} records, merged
 * over the embedded default stack shipped in the {@code stacks} module.
 *
 * <p>Every problem is reported as a {@link StackFileException} naming the file, line, column and
 * key, what was expected, and the closest known key for a typo. Unknown keys are errors.
 */
public final class StackLoader {

  /** The file name looked up in the working directory when no stack file is named. */
  public static final String DEFAULT_FILE_NAME = "sandbox.yaml";

  /** The classpath resource holding the embedded default stack. */
  public static final String DEFAULT_STACK_RESOURCE = "dev/sandbox/stacks/default.yaml";

  private static final String SERVICE_DEFAULTS = "defaults of the ";

  static final String EMBEDDED_LABEL = "embedded default stack (" + DEFAULT_STACK_RESOURCE + ")";

  private static final List<String> TOP_LEVEL =
      List.of(
          "version",
          "name",
          "k3s",
          "manifests",
          "images",
          "services",
          "policies",
          "monitoring",
          "image-map",
          "readiness",
          "target");
  private static final List<String> PACKS = List.of("pod-security", "network", "guardrails");
  private static final List<String> GUARDRAILS =
      List.of("resources", "image-tag", "probes", "name-label");
  private static final List<String> ACTIONS = List.of("Deny", "Warn", "Audit");
  private static final List<String> PSA_LEVELS = List.of("privileged", "baseline", "restricted");
  private static final List<String> PSA_MODES = List.of("enforce", "warn", "audit");

  private static final Pattern K3S_VERSION = Pattern.compile("v\\d+\\.\\d+\\.\\d+-k3s\\d+");
  private static final Pattern IMAGE_REF =
      Pattern.compile(
          "[a-z0-9]+([._/:-][a-zA-Z0-9_]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?(@sha256:[a-f0-9]{64})?");

  /** The longest {@code readiness.timeout} accepted. */
  static final Duration MAX_TIMEOUT = Duration.ofHours(24);

  private StackLoader() {}

  /**
   * The stack for a working directory: {@code sandbox.yaml} there when it exists, else the embedded
   * default stack.
   */
  public static Stack forDirectory(Path directory) {
    Path candidate = directory.resolve(DEFAULT_FILE_NAME);
    return Files.isRegularFile(candidate) ? load(candidate) : embeddedDefault();
  }

  /** The embedded default stack, unchanged. */
  public static Stack embeddedDefault() {
    String text = defaultText();
    return bind(defaults(text), servicesDefaults() + text, Optional.empty(), Path.of("."));
  }

  /** Reads a stack file and merges it over the embedded default stack. */
  public static Stack load(Path file) {
    String label = file.toString();
    String text =
        YamlInput.read(
            file,
            YamlInput.STACK_FILE_LIMIT,
            (line, column, problem) ->
                new StackFileException(
                    label,
                    line,
                    column,
                    "",
                    problem.equals("does not exist.")
                        ? "cannot be read: it does not exist. Check the path given with -f/--file."
                        : problem));
    Path base = file.toAbsolutePath().normalize().getParent();
    return parse(label, text, base, Optional.of(file.toAbsolutePath().normalize()));
  }

  /** Parses stack file text; {@code label} names it in messages, {@code baseDir} resolves paths. */
  public static Stack parse(String label, String text, Path baseDir) {
    return parse(label, text, baseDir, Optional.empty());
  }

  private static Stack parse(String label, String text, Path baseDir, Optional<Path> source) {
    Node user =
        YamlTree.compose(label, text)
            .orElseThrow(
                () ->
                    new StackFileException(
                        label,
                        1,
                        1,
                        "",
                        "the file is empty. A stack file needs at least 'version: 1'; delete it to run the embedded default stack."));
    YamlTree.Entry root = new YamlTree.Entry("", user);
    Map<String, YamlTree.Entry> top = root.mapping(TOP_LEVEL);
    YamlTree.Entry version = top.get("version");
    if (version == null) {
      throw root.error("'version' is missing. Add 'version: 1' as the first line.");
    }
    if (!"1".equals(version.string().trim())) {
      throw version.error(
          "unsupported schema version '"
              + version.string()
              + "'. This sandbox reads version 1; upgrade sandbox or write 'version: 1'.");
    }
    String defaults = defaultText();
    Node merged = YamlTree.merge(defaults(defaults), user);
    return bind(merged, servicesDefaults() + defaults + "\u0000" + text, source, baseDir);
  }

  private static Stack bind(Node node, String hashInput, Optional<Path> source, Path baseDir) {
    Map<String, YamlTree.Entry> top = new YamlTree.Entry("", node).mapping(TOP_LEVEL);

    String name = top.get("name").nonBlank("a name");
    if (!SandboxName.isValid(name)) {
      throw top.get("name")
          .error("'" + name + "' is not a valid name: " + SandboxName.rule() + ".");
    }

    Map<String, YamlTree.Entry> k3s =
        top.get("k3s").mapping(List.of("version", "ingress", "load-balancer-ports"));
    String k3sVersion = k3s.get("version").nonBlank("a rancher/k3s image tag");
    if (!K3S_VERSION.matcher(k3sVersion).matches()) {
      throw k3s.get("version")
          .error("'" + k3sVersion + "' is not a rancher/k3s tag; expected the form v1.34.4-k3s1.");
    }
    boolean ingress = ingress(k3s.get("ingress"));
    List<Integer> lbPorts = new ArrayList<>();
    for (YamlTree.Entry port : k3s.get("load-balancer-ports").sequence("port numbers")) {
      lbPorts.add(loadBalancerPort(port, lbPorts, ingress));
    }

    Stack.Manifests manifests = ManifestsSection.read(top.get("manifests"), baseDir);

    List<String> images = new ArrayList<>();
    for (YamlTree.Entry image : top.get("images").sequence("image references")) {
      images.add(imageReference(image));
    }

    Map<String, ServiceSpec> services = services(top.get("services"));

    Stack.Policies policies = policies(top.get("policies"), baseDir);
    Stack.Monitoring monitoring = monitoring(top.get("monitoring"), baseDir);

    Map<String, String> imageMap = new LinkedHashMap<>();
    top.get("image-map")
        .freeMapping("official image to replacement image")
        .forEach(
            (from, to) -> {
              if (!IMAGE_REF.matcher(from).matches()) {
                throw to.error(
                    "'"
                        + from
                        + "' is not an image reference; expected for example postgres:17 or postgres.");
              }
              imageMap.put(from, imageReference(to));
            });

    Map<String, YamlTree.Entry> readiness = top.get("readiness").mapping(List.of("timeout"));
    Duration timeout = duration(readiness.get("timeout"));

    Stack.Target target = target(top.get("target"), baseDir);

    return new Stack(
        name,
        source,
        Stack.shortHash(hashInput),
        new Stack.K3s(k3sVersion, ingress, lbPorts),
        manifests,
        images,
        services,
        policies,
        monitoring,
        ImageMap.of(imageMap),
        new Stack.Readiness(timeout),
        target);
  }

  /**
   * {@code target}: an empty context is the local node; a context's namespaces map (manifest
   * namespace to a pre-created one) must hold namespace names, each used once.
   */
  private static Stack.Target target(YamlTree.Entry entry, Path baseDir) {
    if (entry == null) {
      return Stack.Target.local();
    }
    Map<String, YamlTree.Entry> target =
        entry.mapping(List.of("context", "kubeconfig", "namespaces", "expiry", "quota", "limits"));
    String context = target.get("context") == null ? "" : target.get("context").string().trim();
    Map<String, String> namespaces = new LinkedHashMap<>();
    if (target.get("namespaces") != null) {
      target
          .get("namespaces")
          .freeMapping("manifest namespace to pre-created namespace")
          .forEach(
              (from, to) -> {
                String name = to.nonBlank("a namespace name");
                for (String candidate : List.of(from, name)) {
                  if (!candidate.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
                    throw to.error(
                        "'"
                            + candidate
                            + "' is not a namespace name: lower-case letters, digits and '-',"
                            + " at most 63, for example ci-42-orders.");
                  }
                }
                if (namespaces.containsValue(name)) {
                  throw to.error(
                      "namespace '"
                          + name
                          + "' is given twice; each manifest namespace needs its own.");
                }
                namespaces.put(from, name);
              });
    }
    Duration expiry =
        target.get("expiry") == null ? Stack.Target.DEFAULT_EXPIRY : duration(target.get("expiry"));
    String kubeconfig =
        target.get("kubeconfig") == null ? "" : target.get("kubeconfig").string().trim();
    Map<String, String> quota =
        target.get("quota") == null ? Map.of() : quantities(target.get("quota"), "resource");
    Map<String, Map<String, String>> limits = new LinkedHashMap<>();
    if (target.get("limits") != null) {
      target
          .get("limits")
          .mapping(List.of("default", "default-request"))
          .forEach((key, value) -> limits.put(key, quantities(value, "container resource")));
    }
    return new Stack.Target(
        context.isEmpty() ? Optional.empty() : Optional.of(context),
        kubeconfig.isEmpty()
            ? Optional.empty()
            : Optional.of(baseDir.resolve(kubeconfig).toAbsolutePath().normalize()),
        namespaces,
        expiry,
        quota,
        limits);
  }

  /** A mapping of resource names to Kubernetes quantities (2, 500m, 4Gi), each checked. */
  private static Map<String, String> quantities(YamlTree.Entry entry, String what) {
    Map<String, String> result = new LinkedHashMap<>();
    entry
        .freeMapping(what + " to quantity")
        .forEach(
            (name, value) -> {
              String text = value.nonBlank("a quantity such as 2, 500m or 4Gi");
              if (!text.matches(
                  "[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m|u|n)?")) {
                throw value.error(
                    "'"
                        + text
                        + "' is not a Kubernetes quantity; expected for example 2, 500m or 4Gi.");
              }
              result.put(name, text);
            });
    return result;
  }

  /** {@code k3s.ingress}: {@code traefik} (k3s's bundled controller) or {@code none}. */
  private static boolean ingress(YamlTree.Entry entry) {
    String value = entry.nonBlank("traefik or none");
    return switch (value) {
      case "traefik" -> true;
      case "none" -> false;
      default ->
          throw entry.error(
              "'"
                  + value
                  + "' is not an ingress controller the sandbox runs; expected traefik (k3s's"
                  + " bundled controller) or none.");
    };
  }

  private static int loadBalancerPort(YamlTree.Entry entry, List<Integer> before, boolean ingress) {
    String text = entry.nonBlank("a port number");
    int port;
    try {
      port = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw entry.error(
          "'"
              + text
              + "' is not a port number; expected the port of a LoadBalancer Service (1-65535).");
    }
    if (before.contains(port) || (ingress && Stack.K3s.INGRESS_PORTS.contains(port))) {
      throw entry.error(
          "port "
              + port
              + (before.contains(port)
                  ? " is listed twice. Keep one."
                  : " is the ingress controller's (Traefik serves 80 and 443); it is published"
                      + " already. Remove it, or set k3s.ingress: none to give it to your own"
                      + " LoadBalancer Service."));
    }
    return port;
  }

  /** Each registered service reads its own section; two of them may not share a Service name. */
  private static Map<String, ServiceSpec> services(YamlTree.Entry entry) {
    List<BackingService> registered = Registry.all();
    Map<String, YamlTree.Entry> sections =
        entry.mapping(registered.stream().map(BackingService::id).toList());
    Map<String, ServiceSpec> services = new LinkedHashMap<>();
    Map<String, YamlTree.Entry> serviceNames = new LinkedHashMap<>();
    Map<String, String> owners = new LinkedHashMap<>();
    for (BackingService service : registered) {
      ServiceSection section =
          new ServiceSection(sections.get(service.id()), service.sectionKeys());
      ServiceSpec spec = service.read(section);
      if (spec.enabled()) {
        YamlTree.Entry here = section.get("service-name");
        YamlTree.Entry earlier = serviceNames.putIfAbsent(spec.serviceName(), here);
        if (earlier != null) {
          // report it where the user wrote it, not in a file of defaults
          boolean hereIsDefault = isDefault(here);
          throw (hereIsDefault ? earlier : here)
              .error(
                  "'"
                      + spec.serviceName()
                      + "' is already the service-name of "
                      + (hereIsDefault ? service.id() : owners.get(spec.serviceName()))
                      + "; give each service its own name.");
        }
        owners.put(spec.serviceName(), service.id());
      }
      services.put(service.id(), spec);
    }
    return services;
  }

  private static Stack.Policies policies(YamlTree.Entry entry, Path baseDir) {
    Map<String, YamlTree.Entry> map =
        entry.mapping(List.of("packs", "pod-security", "guardrails", "custom"));
    List<String> packs = new ArrayList<>();
    for (YamlTree.Entry pack : map.get("packs").sequence("policy packs")) {
      packs.add(oneOf(pack, PACKS, "policy pack"));
    }
    Map<String, YamlTree.Entry> psa = map.get("pod-security").mapping(List.of("level", "mode"));
    Stack.PodSecurity podSecurity =
        new Stack.PodSecurity(
            oneOf(psa.get("level"), PSA_LEVELS, "Pod Security level"),
            oneOf(psa.get("mode"), PSA_MODES, "Pod Security mode"));
    Map<String, String> guardrails = new LinkedHashMap<>();
    map.get("guardrails")
        .mapping(GUARDRAILS)
        .forEach((policy, action) -> guardrails.put(policy, oneOf(action, ACTIONS, "action")));
    return new Stack.Policies(
        packs,
        podSecurity,
        guardrails,
        ManifestsSection.paths(map.get("custom"), baseDir, "policy files or folders"));
  }

  private static Stack.Monitoring monitoring(YamlTree.Entry entry, Path baseDir) {
    Map<String, YamlTree.Entry> map =
        entry.mapping(List.of("enabled", "prometheus-version", "rules"));
    return new Stack.Monitoring(
        map.get("enabled").bool(),
        ServiceSection.tag(map.get("prometheus-version")),
        ManifestsSection.paths(map.get("rules"), baseDir, "rule files"));
  }

  static String oneOf(YamlTree.Entry entry, List<String> allowed, String what) {
    String value = entry.nonBlank("a " + what);
    if (!allowed.contains(value)) {
      String hint =
          YamlTree.closest(value, allowed).map(s -> " Did you mean '" + s + "'?").orElse("");
      throw entry.error(
          "unknown "
              + what
              + " '"
              + value
              + "'."
              + hint
              + " Expected one of: "
              + String.join(", ", allowed)
              + ".");
    }
    return value;
  }

  private static String imageReference(YamlTree.Entry entry) {
    String value = entry.nonBlank("an image reference");
    if (!IMAGE_REF.matcher(value).matches()) {
      throw entry.error(
          "'"
              + value
              + "' is not an image reference; expected for example orders-service:dev or registry.corp/postgres:17.");
    }
    return value;
  }

  private static Duration duration(YamlTree.Entry entry) {
    String value = entry.nonBlank("a duration such as 90s or 5m");
    Optional<String> problem = Durations.problem(value, MAX_TIMEOUT);
    if (problem.isPresent()) {
      throw entry.error("'" + value + "' " + problem.get());
    }
    return Durations.parse(value).orElseThrow();
  }

  private static boolean isDefault(YamlTree.Entry entry) {
    return entry.file().equals(EMBEDDED_LABEL) || entry.file().startsWith(SERVICE_DEFAULTS);
  }

  /**
   * The embedded default stack over every registered service's own defaults: a service the default
   * stack does not list (one registered from the classpath) still has a complete section.
   */
  private static Node defaults(String defaultStack) {
    Node node = YamlTree.compose(EMBEDDED_LABEL, defaultStack).orElseThrow();
    for (BackingService service : Registry.all()) {
      String wrapped =
          "services:\n  "
              + service.id()
              + ":\n"
              + service
                  .defaults()
                  .lines()
                  .map(line -> "    " + line + "\n")
                  .reduce("", String::concat);
      Node own =
          YamlTree.compose(SERVICE_DEFAULTS + service.displayName() + " service", wrapped)
              .orElseThrow();
      node = YamlTree.merge(own, node);
    }
    return node;
  }

  /** The services' defaults, part of what a stack's hash is computed from. */
  private static String servicesDefaults() {
    StringBuilder text = new StringBuilder();
    for (BackingService service : Registry.all()) {
      text.append(service.id()).append('\u0000').append(service.defaults()).append('\u0000');
    }
    return text.toString();
  }

  private static String defaultText() {
    try (InputStream in =
        StackLoader.class.getClassLoader().getResourceAsStream(DEFAULT_STACK_RESOURCE)) {
      if (in == null) {
        throw new SandboxException(
            "The embedded default stack ("
                + DEFAULT_STACK_RESOURCE
                + ") is missing from the classpath; the 'stacks' jar must sit beside sandbox-core.");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SandboxException("Cannot read the embedded default stack: " + e.getMessage(), e);
    }
  }
}
