package dev.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input corpus: {@code sandbox up -f <case>/sandbox.yaml} on each broken stack file or
 * manifest fails within seconds, with a message that names the file (and line where there is one),
 * exit code 1, no stack trace, and nothing started or written — no state folder, no container,
 * volume or network carrying the sandbox's name.
 *
 * <p>Inputs live in {@code src/test/resources/bad-inputs/<case>/}; cases that would be huge, deep,
 * binary or symlinks are generated into the copy at run time. The table below reads input → message
 * → exit code.
 */
@DisplayName("bad input gets a located error, early, and starts nothing")
class BadInputCorpusIT {

  private static final Duration TIME_BOUND = Duration.ofSeconds(5);
  private static final AtomicInteger RUN = new AtomicInteger();

  /**
   * One bad input: the case folder, what {@code up} must print (after the case folder's path), the
   * exit code, and how to generate the input when it is not a committed file.
   */
  record Case(String name, String message, int exitCode, Generator generator) {
    @Override
    public String toString() {
      return name;
    }
  }

  @FunctionalInterface
  interface Generator {
    void write(Path caseDir) throws IOException;
  }

  static Case files(String name, String message) {
    return new Case(name, message, 1, dir -> {});
  }

  static Case generated(String name, String message, Generator generator) {
    return new Case(name, message, 1, generator);
  }

  static Stream<Case> corpus() {
    return Stream.of(
        // --- the stack file: structure, keys, types (StackLoader)
        files(
            "unknown-top-level-key",
            "sandbox.yaml:2:1: manifest: unknown key. Did you mean 'manifests'?"),
        files(
            "unknown-nested-key",
            "sandbox.yaml:3:3: services.postgress: unknown key. Did you mean 'postgres'? Known keys here: postgres, rabbitmq."),
        files(
            "missing-version",
            "sandbox.yaml:1:1: 'version' is missing. Add 'version: 1' as the first line."),
        files(
            "unsupported-version",
            "sandbox.yaml:1:10: version: unsupported schema version '2'. This sandbox reads version 1"),
        files(
            "empty-file",
            "sandbox.yaml:1:1: the file is empty. A stack file needs at least 'version: 1'"),
        files(
            "only-comments",
            "sandbox.yaml:1:1: the file is empty. A stack file needs at least 'version: 1'"),
        files(
            "stack-is-a-list",
            "sandbox.yaml:1:1: expected a mapping with the keys version, name, k3s, manifests"),
        files(
            "list-where-mapping-belongs",
            "sandbox.yaml:2:11: services: expected a mapping with the keys postgres, rabbitmq, found a list."),
        files(
            "scalar-where-list-belongs",
            "sandbox.yaml:2:9: images: expected a list of image references, found 'orders-service:dev'."),
        files(
            "invalid-name",
            "sandbox.yaml:2:7: name: 'Orders_Service' is not a valid name: use lower-case letters"),
        files(
            "bad-k3s-version",
            "sandbox.yaml:3:12: k3s.version: '1.34' is not a rancher/k3s tag; expected the form v1.34.4-k3s1."),
        files(
            "k3s-ingress-unknown",
            "sandbox.yaml:3:12: k3s.ingress: 'nginx' is not an ingress controller the sandbox runs; expected traefik"),
        files(
            "k3s-port-taken-by-ingress",
            "sandbox.yaml:3:31: k3s.load-balancer-ports[1]: port 443 is the ingress controller's (Traefik serves 80 and 443)"),
        files(
            "target-namespace-invalid",
            "sandbox.yaml:4:24: target.namespaces.orders: 'Orders_NS' is not a namespace name: lower-case letters, digits and '-', at most 63"),
        files(
            "target-namespace-twice",
            "sandbox.yaml:6:14: target.namespaces.sandbox: namespace 'ci-7' is given twice; each manifest namespace needs its own."),
        files(
            "target-quota-not-a-quantity",
            "sandbox.yaml:4:28: target.quota.requests.memory: '4 gigs' is not a Kubernetes quantity; expected for example 2, 500m or 4Gi."),
        files(
            "duplicate-key",
            "sandbox.yaml:3:1: name: duplicate key; it is already set on line 2. Keep one."),
        files(
            "unclosed-flow-mapping",
            "sandbox.yaml:4:1: not valid YAML: expected ',' or '}', but got <stream end>."),
        files(
            "tab-indentation",
            "sandbox.yaml:3:1: not valid YAML: found character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)."),
        files(
            "bad-boolean",
            "sandbox.yaml:3:12: monitoring.enabled: expected true or false, found 'maybe'."),
        files(
            "duration-without-unit",
            "sandbox.yaml:3:12: readiness.timeout: '5 minutes' is not a duration; expected for example 90s, 5m or 1h30m."),
        files(
            "duration-overflows-long",
            "sandbox.yaml:3:12: readiness.timeout: '99999999999999999999h' is longer than 24h; expected a duration from 1s to 24h, for example 90s, 5m or 1h30m."),
        files(
            "duration-overflows-seconds",
            "sandbox.yaml:3:12: readiness.timeout: '9223372036854775807h' is longer than 24h; expected a duration from 1s to 24h"),
        files(
            "duration-above-range",
            "sandbox.yaml:3:12: readiness.timeout: '25h' is longer than 24h; expected a duration from 1s to 24h"),
        files(
            "duration-zero",
            "sandbox.yaml:3:12: readiness.timeout: '0s' is zero; expected a duration from 1s to 24h"),
        files(
            "unknown-policy-pack",
            "sandbox.yaml:3:11: policies.packs[0]: unknown policy pack 'pod-securty'. Did you mean 'pod-security'?"),
        files(
            "unknown-guardrail-action",
            "sandbox.yaml:3:24: policies.guardrails.probes: unknown action 'Block'. Expected one of: Deny, Warn, Audit."),
        files(
            "unknown-stand-ins",
            "sandbox.yaml:3:14: manifests.stand-ins: unknown stand-ins choice 'manifests'. Did you mean 'manifest'? Expected one of: sandbox, manifest."),
        files(
            "unknown-pod-security-level",
            "sandbox.yaml:4:12: policies.pod-security.level: unknown Pod Security level 'strict'."),
        files(
            "unknown-secret-key",
            "sandbox.yaml:6:9: services.postgres.secret.keys.jdbc_url: unknown key. Did you mean 'jdbc-url'?"),
        files(
            "bad-secret-name",
            "sandbox.yaml:5:13: services.rabbitmq.secret.name: 'Rabbit_Credentials' is not a valid Secret name"),
        files(
            "same-service-name",
            "sandbox.yaml:4:28: services.rabbitmq.service-name: 'db' is already the service-name of postgres"),
        files(
            "bad-service-name",
            "sandbox.yaml:3:28: services.postgres.service-name: 'Orders' is not a valid Service name"),
        files(
            "bad-database-name",
            "sandbox.yaml:3:24: services.postgres.database: 'a-b' is not a plain PostgreSQL identifier"),
        files(
            "bad-image-tag",
            "sandbox.yaml:4:14: services.postgres.version: '17 beta' is not a valid image tag"),
        files(
            "bad-image-reference",
            "sandbox.yaml:2:10: images[0]: 'Not An Image' is not an image reference"),
        files(
            "bad-image-map-source",
            "sandbox.yaml:3:22: image-map.Postgres Latest: 'Postgres Latest' is not an image reference"),
        files(
            "empty-image-map-target",
            "sandbox.yaml:2:23: image-map.postgres: must not be empty; expected an image reference."),
        files(
            "bad-exclude-kind",
            "sandbox.yaml:3:19: manifests.exclude-kinds[0]: 'external-secret' is not a Kubernetes kind"),
        files(
            "missing-manifest-path",
            "sandbox.yaml:4:7: manifests.paths[0]: 'k8s/prod' does not exist"),
        // --- Helm releases and GitOps sources
        files(
            "helm-template-error",
            "sandbox.yaml:4: Helm could not render release web (chart chart): execution error at ("),
        files(
            "helm-missing-chart",
            "sandbox.yaml:5:14: manifests.helm[0].chart: 'charts/nope' does not exist"),
        files(
            "kustomization-helm-charts",
            "k8s/kustomization.yaml:3:3: helmCharts: kustomize inflates Helm charts only with --enable-helm"),
        files(
            "gitops-helm-repository",
            "flux/web.yaml:8:25: spec.chart.spec.sourceRef.kind: a HelmRepository source is not fetched"),
        files(
            "missing-rule-file",
            "sandbox.yaml:3:11: monitoring.rules[0]: 'alerts.yaml' does not exist"),
        files(
            "alias-bomb",
            "sandbox.yaml: not valid YAML: Number of aliases for non-scalar nodes exceeds the specified max=50"),
        files("stack-file-is-a-folder", "sandbox.yaml: is a folder; expected a YAML file."),
        files(
            "stack-file-missing",
            "sandbox.yaml: cannot be read: it does not exist. Check the path given with -f/--file."),
        // --- the stack file: too big, too deep, not text (generated)
        generated(
            "stack-50-mb-comment",
            "sandbox.yaml: the file is 50.0 MB; the limit is 1 MB.",
            dir -> hugeComment(dir.resolve("sandbox.yaml"), "version: 1\n")),
        generated(
            "stack-nested-5000-deep",
            "sandbox.yaml: nesting deeper than 200 levels (line 2).",
            dir -> deep(dir.resolve("sandbox.yaml"), "version: 1\nimage-map: ")),
        generated(
            "stack-block-nested-1000-deep",
            "sandbox.yaml: nesting deeper than 200 levels (line 201).",
            dir -> Files.writeString(dir.resolve("sandbox.yaml"), blockNested(1000))),
        generated(
            "stack-latin-1",
            "sandbox.yaml:2: not UTF-8 text (byte 21): 0xE9 is not valid UTF-8 there.",
            dir ->
                Files.write(
                    dir.resolve("sandbox.yaml"),
                    "version: 1\nname: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1))),
        generated(
            "stack-binary",
            "sandbox.yaml:1: not UTF-8 text (byte 1): 0x89 is not valid UTF-8 there.",
            dir -> Files.write(dir.resolve("sandbox.yaml"), png())),
        generated(
            "stack-path-symlink-loop",
            "sandbox.yaml:2:21: manifests.paths[0]: 'k8s' is a symlink loop (k8s -> k8s-link -> k8s).",
            dir -> {
              Files.writeString(
                  dir.resolve("sandbox.yaml"), "version: 1\nmanifests: {paths: [k8s]}\n");
              Files.createSymbolicLink(dir.resolve("k8s"), Path.of("k8s-link"));
              Files.createSymbolicLink(dir.resolve("k8s-link"), Path.of("k8s"));
            }),
        // --- manifests, policies, kustomizations and rules: read before anything starts
        files(
            "manifest-invalid-yaml",
            "k8s/app.yaml:8:5: document 2: not valid YAML: expected ',' or '}', but got : (while parsing a flow mapping)."),
        files(
            "manifest-missing-kind",
            "k8s/app.yaml:5:1: document 2: kind is missing; every Kubernetes object needs apiVersion, kind and metadata.name."),
        files(
            "manifest-missing-name",
            "k8s/app.yaml:4:3: document 1 (ConfigMap): metadata.name is missing; server-side apply needs a name"),
        files(
            "manifest-not-an-object",
            "k8s/notes.yaml:2:1: document 1: not a Kubernetes object: expected a mapping with apiVersion, kind and metadata, found 'just some text'."),
        files(
            "manifest-duplicate-key",
            "k8s/app.yaml:5:3: document 1: not valid YAML: found duplicate key name"),
        files(
            "manifest-tab-indentation",
            "k8s/app.yaml:4:1: document 1: not valid YAML: found character '\\t(TAB)' that cannot start any token."),
        files(
            "manifest-wrong-metadata-type",
            "k8s/app.yaml: document 1: does not fit a Kubernetes object ("),
        files(
            "manifest-list-item-without-name",
            "k8s/list.yaml:9:15: document 1, items[1] (ConfigMap): metadata.name is missing"),
        files(
            "manifest-folder-without-yaml",
            "k8s: the folder has no YAML files (*.yaml, *.yml, *.json; sub-folders are not read)."),
        files(
            "kustomization-missing-resource",
            "k8s/kustomization.yaml:5:5: resources[1]: 'service.yaml' does not exist"),
        files(
            "kustomization-invalid-yaml",
            "k8s/kustomization.yaml:4:12: document 1: not valid YAML: mapping values are not allowed here."),
        files(
            "kustomization-empty",
            "k8s/kustomization.yaml:1:1: the kustomization is empty; list its files under 'resources:'."),
        files(
            "kustomization-base-without-kustomization",
            "k8s/overlays/dev/kustomization.yaml:2:5: resources[0]: '../../base' is a folder without a kustomization.yaml"),
        files("kustomization-cycle", "k8s/overlay: kustomization cycle: "),
        files(
            "kustomization-bad-resource",
            "k8s/app.yaml:1:1: document 1 (Deployment): metadata.name is missing"),
        files(
            "kustomization-missing-patch",
            "k8s/kustomization.yaml:4:11: patches[0].path: 'replicas.yaml' does not exist"),
        files(
            "policy-without-name",
            "policies/deny-latest.yaml:4:3: document 1 (ValidatingAdmissionPolicy): metadata.name is missing"),
        files(
            "policy-invalid-yaml",
            "policies/deny.yaml:7:1: document 1: not valid YAML: found unexpected end of stream"),
        files(
            "rules-empty",
            "alerts.yaml: has no rules (no group lists any). Add alerting or recording rules"),
        files("rules-file-without-rules", "alerts.yaml: has no rules (no group lists any)."),
        files(
            "rules-not-a-rule-file",
            "alerts.yaml:1:1: document 1: neither a rule file (groups:) nor a PrometheusRule (spec.groups)."),
        files(
            "rule-without-expr",
            "alerts.yaml:6:9: document 1: groups[0].rules[1]: the rule has no 'expr'"),
        files(
            "rule-group-without-name",
            "alerts.yaml:6:7: document 1: groups[0]: the group has no name; Prometheus needs one."),
        files("rule-file-is-a-folder", "alerts: is a folder; expected a YAML file."),
        // --- manifests and rules: too big, too deep, not text, symlink loops (generated)
        generated(
            "manifest-50-mb-comment",
            "k8s/app.yaml: the file is 50.0 MB; the limit is 8 MB.",
            dir -> {
              stackWithManifests(dir);
              hugeComment(dir.resolve("k8s/app.yaml"), "apiVersion: v1\n");
            }),
        generated(
            "manifest-nested-5000-deep",
            "k8s/app.yaml: nesting deeper than 200 levels (line 4).",
            dir -> {
              stackWithManifests(dir);
              deep(
                  dir.resolve("k8s/app.yaml"),
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nextra: ");
            }),
        generated(
            "manifest-block-nested-3000-deep",
            "k8s/app.yaml: nesting deeper than 200 levels (line 201).",
            dir -> {
              stackWithManifests(dir);
              Files.writeString(dir.resolve("k8s/app.yaml"), blockNested(3000));
            }),
        generated(
            "manifest-binary",
            "k8s/logo.yaml:1: not UTF-8 text (byte 1): 0x89 is not valid UTF-8 there.",
            dir -> {
              stackWithManifests(dir);
              Files.write(dir.resolve("k8s/logo.yaml"), png());
            }),
        generated(
            "manifest-with-nul-bytes",
            "k8s/app.yaml:2: not UTF-8 text (byte 21): it holds NUL bytes, so it is a binary file.",
            dir -> {
              stackWithManifests(dir);
              Files.write(
                  dir.resolve("k8s/app.yaml"),
                  "apiVersion: v1\nkind:\u0000ConfigMap\n".getBytes(StandardCharsets.UTF_8));
            }),
        generated(
            "manifest-symlink-loop",
            "k8s/loop.yaml: is a symlink loop (loop.yaml -> loop.yaml).",
            dir -> {
              stackWithManifests(dir);
              Files.writeString(
                  dir.resolve("k8s/app.yaml"),
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n");
              Files.createSymbolicLink(dir.resolve("k8s/loop.yaml"), Path.of("loop.yaml"));
            }),
        generated(
            "rules-utf-16",
            "alerts.yaml:1: not UTF-8 text (byte 1): 0xFF is not valid UTF-8 there.",
            dir -> {
              Files.writeString(
                  dir.resolve("sandbox.yaml"), "version: 1\nmonitoring:\n  rules: [alerts.yaml]\n");
              Files.write(
                  dir.resolve("alerts.yaml"),
                  "\uFEFFgroups: []\n".getBytes(StandardCharsets.UTF_16LE));
            }));
  }

  @TempDir static Path root;

  @BeforeAll
  static void copyCorpus() throws IOException, URISyntaxException {
    docker("version", "--format", "{{.Server.Version}}"); // fails the class without an engine
    Path source =
        Path.of(
            Objects.requireNonNull(BadInputCorpusIT.class.getResource("/bad-inputs"), "bad-inputs")
                .toURI());
    try (Stream<Path> walk = Files.walk(source)) {
      for (Path from : walk.toList()) {
        Path to = root.resolve(source.relativize(from).toString());
        if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else {
          Files.copy(from, to);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void fails_early_with_a_located_message_and_starts_nothing(Case input) throws IOException {
    Path caseDir = Files.createDirectories(root.resolve(input.name()));
    input.generator().write(caseDir);
    Path run = Files.createDirectories(root.resolve(".runs").resolve(input.name()));
    String name = "corpus-" + ProcessHandle.current().pid() + "-" + RUN.incrementAndGet();

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> env = new HashMap<>(System.getenv());
    env.keySet().removeIf(key -> key.startsWith("SANDBOX_"));
    env.put("SANDBOX_HOME", run.resolve("state").toString());
    Environment environment = new Environment(env, run.resolve("home"), root, false);
    Instant start = Instant.now();
    int code =
        Cli.create(environment, new PrintWriter(out, true), new PrintWriter(err, true))
            .execute("up", "-f", input.name() + "/sandbox.yaml", "--name", name);
    Duration took = Duration.between(start, Instant.now());

    String output = out + "\n" + err;
    assertThat(err.toString())
        .as(output)
        .contains("error: " + caseDir + java.io.File.separator + input.message());
    assertThat(code).as(output).isEqualTo(input.exitCode());
    assertThat(took).as("time to fail").isLessThan(TIME_BOUND);
    assertThat(output)
        .as("no stack trace, no exception class names")
        .doesNotContain("\tat ", "Exception", "Caused by", "Run again with --verbose");
    assertThat(entries(run)).as("nothing written to the state folder or home").isEmpty();
    assertNothingStarted(name);
  }

  private static List<Path> entries(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> !p.equals(dir)).toList();
    }
  }

  /**
   * Asks the Docker CLI, not Testcontainers: initialising Testcontainers' client would itself start
   * a container (Ryuk) and pull its image.
   */
  private static void assertNothingStarted(String name) throws IOException {
    String label = "label=dev.sandbox.name=" + name;
    assertThat(docker("ps", "--all", "--quiet", "--filter", label))
        .as("containers labelled " + label)
        .isEmpty();
    assertThat(docker("network", "ls", "--quiet", "--filter", label))
        .as("networks labelled " + label)
        .isEmpty();
    assertThat(docker("volume", "ls", "--quiet", "--filter", label))
        .as("volumes labelled " + label)
        .isEmpty();
  }

  private static List<String> docker(String... args) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("docker " + String.join(" ", args) + " took over 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          "BadInputCorpusIT needs a Docker engine; docker "
              + String.join(" ", args)
              + ": "
              + output);
    }
    return output.lines().filter(line -> !line.isBlank()).toList();
  }

  private static void stackWithManifests(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("k8s"));
    Files.writeString(dir.resolve("sandbox.yaml"), "version: 1\nmanifests: {paths: [k8s]}\n");
  }

  /** {@code prefix} then a 50 MB comment on one line, streamed so the test holds no 50 MB text. */
  private static void hugeComment(Path file, String prefix) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] chunk = "x".repeat(1024 * 1024).getBytes(StandardCharsets.US_ASCII);
    try (var out = Files.newOutputStream(file)) {
      out.write(prefix.getBytes(StandardCharsets.UTF_8));
      out.write("# ".getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < 50; i++) {
        out.write(chunk, 0, i == 49 ? chunk.length - 3 - prefix.length() : chunk.length);
      }
      out.write('\n');
    }
  }

  /** {@code prefix} then 5,000 nested flow lists on one line. */
  private static void deep(Path file, String prefix) throws IOException {
    Files.writeString(file, prefix + "[".repeat(5000) + "]".repeat(5000) + "\n");
  }

  /** A block sequence nested {@code depth} levels, one level per line. */
  private static String blockNested(int depth) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      text.append(" ".repeat(i)).append("-\n");
    }
    return text.append(" ".repeat(depth)).append("x\n").toString();
  }

  /** The first bytes of a PNG image, saved with a .yaml name. */
  private static byte[] png() {
    return new byte[] {
      (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'
    };
  }
}
