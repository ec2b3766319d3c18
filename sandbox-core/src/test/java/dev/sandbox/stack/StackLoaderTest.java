package dev.sandbox.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.StackFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StackLoaderTest {

  /** The registered services: this module's tests register a third one, the greeter. */
  private static final String KNOWN_SERVICES = "greeter, postgres, rabbitmq";

  @TempDir Path dir;

  private Stack parse(String yaml) {
    return StackLoader.parse("sandbox.yaml", yaml, dir);
  }

  private StackFileException failure(String yaml) {
    try {
      parse(yaml);
    } catch (StackFileException e) {
      return e;
    }
    throw new AssertionError("expected a StackFileException for:\n" + yaml);
  }

  @Nested
  @DisplayName("the embedded default stack")
  class EmbeddedDefault {

    @Test
    void runs_k3s_postgres_rabbitmq_policies_and_monitoring() {
      Stack stack = StackLoader.embeddedDefault();

      assertThat(stack.name()).isEqualTo("sandbox");
      assertThat(stack.source()).isEmpty();
      assertThat(stack.k3s().image()).isEqualTo("rancher/k3s:v1.34.4-k3s1");
      assertThat(postgres(stack).enabled()).isTrue();
      assertThat(postgres(stack).image()).isEqualTo("postgres:17");
      assertThat(rabbitmq(stack).enabled()).isTrue();
      assertThat(rabbitmq(stack).image()).isEqualTo("rabbitmq:4.1-management");
      assertThat(stack.policies().packs()).containsExactly("pod-security", "network", "guardrails");
      assertThat(stack.policies().podSecurity())
          .isEqualTo(new Stack.PodSecurity("restricted", "enforce"));
      assertThat(stack.monitoring().enabled()).isTrue();
      assertThat(stack.manifests().excludeKinds())
          .containsExactlyInAnyOrder("ExternalSecret", "SealedSecret");
      assertThat(stack.manifests().standIns()).isEqualTo("sandbox");
      assertThat(stack.readiness().timeout()).isEqualTo(Duration.ofMinutes(5));
      assertThat(postgres(stack).secret().keys())
          .containsOnlyKeys("host", "port", "database", "username", "password", "jdbc-url", "uri");
    }

    @Test
    void is_used_when_the_directory_has_no_stack_file() {
      assertThat(StackLoader.forDirectory(dir)).isEqualTo(StackLoader.embeddedDefault());
    }
  }

  @Nested
  @DisplayName("a valid stack file")
  class Valid {

    @Test
    void inherits_every_default_it_does_not_set() {
      Stack stack =
          parse(
              """
          version: 1
          name: orders
          services:
            postgres:
              database: orders
              service-name: orders-db
              secret:
                name: orders-db-credentials
                keys:
                  jdbc-url: SPRING_DATASOURCE_URL
          """);

      assertThat(stack.name()).isEqualTo("orders");
      assertThat(postgres(stack).setting("database")).isEqualTo("orders");
      assertThat(postgres(stack).serviceName()).isEqualTo("orders-db");
      assertThat(postgres(stack).image()).isEqualTo("postgres:17");
      assertThat(postgres(stack).secret().name()).isEqualTo("orders-db-credentials");
      assertThat(postgres(stack).secret().keys())
          .containsEntry("jdbc-url", "SPRING_DATASOURCE_URL")
          .containsEntry("password", "password");
      assertThat(rabbitmq(stack)).isEqualTo(rabbitmq(StackLoader.embeddedDefault()));
      assertThat(stack.k3s()).isEqualTo(StackLoader.embeddedDefault().k3s());
    }

    @Test
    void reads_every_section() throws IOException {
      Files.createDirectories(dir.resolve("k8s/overlays/prod"));
      Files.createDirectories(dir.resolve("policies"));
      Files.writeString(dir.resolve("alerts.yaml"), "groups: []\n");

      Stack stack =
          StackLoader.load(
              writeStack(
                  """
          version: 1
          name: orders
          k3s:
            version: v1.33.5-k3s1
          manifests:
            paths: [k8s/overlays/prod]
            exclude-kinds: [ExternalSecret]
          images: [orders-service:dev]
          services:
            rabbitmq:
              enabled: false
          policies:
            packs: [pod-security]
            pod-security: {level: baseline, mode: warn}
            guardrails: {probes: Deny}
            custom: [policies]
          monitoring:
            rules: [alerts.yaml]
          image-map:
            postgres: mirror.corp/postgres
            rancher/k3s:v1.33.5-k3s1: sandbox-local/k3s:v1.33.5-k3s1
          readiness:
            timeout: 1m30s
          """));

      assertThat(stack.k3s().version()).isEqualTo("v1.33.5-k3s1");
      assertThat(stack.manifests().paths()).containsExactly(dir.resolve("k8s/overlays/prod"));
      assertThat(stack.manifests().excludeKinds()).containsExactly("ExternalSecret");
      assertThat(stack.images()).containsExactly("orders-service:dev");
      assertThat(rabbitmq(stack).enabled()).isFalse();
      assertThat(stack.policies().packs()).containsExactly("pod-security");
      assertThat(stack.policies().podSecurity())
          .isEqualTo(new Stack.PodSecurity("baseline", "warn"));
      assertThat(stack.policies().guardrails())
          .containsEntry("probes", "Deny")
          .containsEntry("resources", "Deny");
      assertThat(stack.policies().custom()).containsExactly(dir.resolve("policies"));
      assertThat(stack.monitoring().rules()).containsExactly(dir.resolve("alerts.yaml"));
      assertThat(stack.imageMap().apply("postgres:17")).isEqualTo("mirror.corp/postgres:17");
      assertThat(stack.imageMap().apply("rancher/k3s:v1.33.5-k3s1"))
          .isEqualTo("sandbox-local/k3s:v1.33.5-k3s1");
      assertThat(stack.readiness().timeout()).isEqualTo(Duration.ofSeconds(90));
      assertThat(stack.source()).contains(dir.resolve("sandbox.yaml"));
    }

    @Test
    void hashes_change_with_the_content_only() {
      String yaml = "version: 1\nname: orders\n";
      assertThat(parse(yaml).hash()).isEqualTo(parse(yaml).hash());
      assertThat(parse(yaml).hash()).isNotEqualTo(parse("version: 1\nname: billing\n").hash());
    }

    private Path writeStack(String yaml) throws IOException {
      return Files.writeString(dir.resolve("sandbox.yaml"), yaml);
    }
  }

  @Nested
  @DisplayName("a malformed stack file is rejected with file, line, column, key and advice")
  class Malformed {

    @Test
    void a_misspelt_service_suggests_the_closest_known_one() {
      StackFileException e =
          failure(
              """
          version: 1
          services:
            postgress:
              database: orders
          """);

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:3:3: services.postgress: unknown key. Did you mean 'postgres'? Known keys here: "
                  + KNOWN_SERVICES
                  + ".");
      assertThat(e.file()).isEqualTo("sandbox.yaml");
      assertThat(e.line()).isEqualTo(3);
      assertThat(e.column()).isEqualTo(3);
      assertThat(e.key()).isEqualTo("services.postgress");
    }

    @Test
    void a_misspelt_top_level_key_suggests_the_closest_one() {
      StackFileException e = failure("version: 1\nmanifest:\n  paths: []\n");

      assertThat(e.getMessage())
          .startsWith("sandbox.yaml:2:1: manifest: unknown key. Did you mean 'manifests'?");
    }

    @Test
    void an_unknown_key_without_a_near_match_lists_the_known_keys() {
      StackFileException e =
          failure("version: 1\nk3s:\n  version: v1.34.4-k3s1\n  flavour: vanilla\n");

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:4:3: k3s.flavour: unknown key. Known keys here: version, ingress,"
                  + " load-balancer-ports.");
    }

    @Test
    void a_missing_version_is_reported() {
      StackFileException e = failure("name: orders\n");

      assertThat(e.getMessage())
          .isEqualTo("sandbox.yaml:1:1: 'version' is missing. Add 'version: 1' as the first line.");
    }

    @Test
    void an_unsupported_schema_version_is_reported_at_its_value() {
      StackFileException e = failure("version: 2\nname: orders\n");

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:1:10: version: unsupported schema version '2'. This sandbox reads version 1; upgrade sandbox or write 'version: 1'.");
    }

    @Test
    void a_list_where_a_mapping_belongs_says_what_was_expected() {
      StackFileException e = failure("version: 1\nservices: [postgres]\n");

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:2:11: services: expected a mapping with the keys "
                  + KNOWN_SERVICES
                  + ", found a list.");
    }

    @Test
    void an_invalid_name_explains_the_rule() {
      StackFileException e = failure("version: 1\nname: Orders_Service\n");

      assertThat(e.line()).isEqualTo(2);
      assertThat(e.column()).isEqualTo(7);
      assertThat(e.key()).isEqualTo("name");
      assertThat(e.problem())
          .startsWith("'Orders_Service' is not a valid name: use lower-case letters");
    }

    @Test
    void ingress_and_load_balancer_ports_default_to_k3s_own_and_are_read() {
      assertThat(StackLoader.embeddedDefault().k3s().ingress()).isTrue();
      assertThat(StackLoader.embeddedDefault().k3s().publishedPorts()).containsExactly(80, 443);

      Stack stack = parse("version: 1\nk3s: {ingress: none, load-balancer-ports: [8081, 80]}\n");

      assertThat(stack.k3s().ingress()).isFalse();
      assertThat(stack.k3s().publishedPorts()).containsExactly(80, 8081);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
        delimiter = '|',
        value = {
          "k3s: {ingress: nginx}                   | 2:16 | k3s.ingress | is not an ingress controller the sandbox runs; expected traefik",
          "k3s: {load-balancer-ports: [http]}      | 2:29 | k3s.load-balancer-ports[0] | is not a port number",
          "k3s: {load-balancer-ports: [70000]}     | 2:29 | k3s.load-balancer-ports[0] | is not a port number",
          "k3s: {load-balancer-ports: [8081, 8081]} | 2:35 | k3s.load-balancer-ports[1] | port 8081 is listed twice",
          "k3s: {load-balancer-ports: [443]}       | 2:29 | k3s.load-balancer-ports[0] | port 443 is the ingress controller",
        })
    void bad_ingress_settings_are_named_where_they_are(
        String line, String at, String key, String problem) {
      StackFileException e = failure("version: 1\n" + line + "\n");

      assertThat(e.line() + ":" + e.column()).isEqualTo(at);
      assertThat(e.key()).isEqualTo(key);
      assertThat(e.problem()).contains(problem);
    }

    @Test
    void a_k3s_version_that_is_not_a_rancher_tag_is_rejected() {
      StackFileException e = failure("version: 1\nk3s:\n  version: 1.34\n");

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:3:12: k3s.version: '1.34' is not a rancher/k3s tag; expected the form v1.34.4-k3s1.");
    }

    @Test
    void a_duplicate_key_names_the_first_occurrence() {
      StackFileException e = failure("version: 1\nname: a\nname: b\n");

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:3:1: name: duplicate key; it is already set on line 2. Keep one.");
    }

    @Test
    void broken_yaml_syntax_is_located() {
      StackFileException e = failure("version: 1\nservices:\n  postgres: {database: orders\n");

      assertThat(e.file()).isEqualTo("sandbox.yaml");
      assertThat(e.line()).isEqualTo(4);
      assertThat(e.key()).isEmpty();
      assertThat(e.problem())
          .startsWith("not valid YAML: ")
          .endsWith("Check indentation and quoting around this spot.");
    }

    @Test
    void a_boolean_that_is_not_one_is_rejected() {
      StackFileException e = failure("version: 1\nmonitoring:\n  enabled: maybe\n");

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:3:12: monitoring.enabled: expected true or false, found 'maybe'.");
    }

    @Test
    void a_duration_without_units_is_rejected() {
      StackFileException e = failure("version: 1\nreadiness:\n  timeout: 5 minutes\n");

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:3:12: readiness.timeout: '5 minutes' is not a duration; expected for example 90s, 5m or 1h30m.");
    }

    @Test
    void a_misspelt_policy_pack_suggests_the_right_one() {
      StackFileException e = failure("version: 1\npolicies:\n  packs: [pod-securty]\n");

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:3:11: policies.packs[0]: unknown policy pack 'pod-securty'. Did you mean 'pod-security'?"
                  + " Expected one of: pod-security, network, guardrails.");
    }

    @Test
    void an_unknown_secret_key_suggests_the_logical_name() {
      StackFileException e =
          failure(
              """
          version: 1
          services:
            postgres:
              secret:
                keys:
                  jdbc_url: SPRING_DATASOURCE_URL
          """);

      assertThat(e.getMessage())
          .startsWith(
              "sandbox.yaml:6:9: services.postgres.secret.keys.jdbc_url: unknown key. Did you mean 'jdbc-url'?");
    }

    @Test
    void a_manifest_path_that_does_not_exist_is_reported_with_where_it_looked() {
      StackFileException e = failure("version: 1\nmanifests:\n  paths:\n    - k8s/prod\n");

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:4:7: manifests.paths[0]: 'k8s/prod' does not exist (looked at "
                  + dir.resolve("k8s/prod")
                  + "). Paths are relative to the stack file's folder.");
    }

    @Test
    void two_services_with_one_name_are_rejected() {
      StackFileException e =
          failure(
              """
          version: 1
          services:
            postgres: {service-name: db}
            rabbitmq: {service-name: db}
          """);

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:4:28: services.rabbitmq.service-name: 'db' is already the service-name of postgres; give each service its own name.");
    }

    @Test
    void an_empty_file_says_what_it_needs() {
      StackFileException e = failure("");

      assertThat(e.getMessage())
          .isEqualTo(
              "sandbox.yaml:1:1: the file is empty. A stack file needs at least 'version: 1'; delete it to run the embedded default stack.");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
        delimiter = '|',
        value = {
          "image-map: {postgres: ''}                    | image-map.postgres",
          "images: ['Not An Image']                     | images[0]",
          "services: {postgres: {service-name: Orders}} | services.postgres.service-name",
          "services: {postgres: {database: 'a-b'}}      | services.postgres.database",
          "policies: {guardrails: {probes: Block}}      | policies.guardrails.probes",
          "manifests: {stand-ins: manifests}            | manifests.stand-ins",
        })
    void bad_values_are_reported_against_their_key(String line, String key) {
      StackFileException e = failure("version: 1\n" + line + "\n");

      assertThat(e.key()).isEqualTo(key);
      assertThat(e.line()).isEqualTo(2);
    }

    @Test
    void a_file_that_cannot_be_read_is_reported() {
      assertThatThrownBy(() -> StackLoader.load(dir.resolve("missing.yaml")))
          .isInstanceOf(StackFileException.class)
          .hasMessage(
              dir.resolve("missing.yaml")
                  + ": cannot be read: it does not exist. Check the path given with -f/--file.");
    }
  }

  @Nested
  @DisplayName("Secrets in the shape the application reads")
  class SecretShapes {

    @Test
    void the_servicebinding_preset_gives_the_type_entries_and_key_names_of_the_spec() {
      Stack stack =
          parse(
              """
              version: 1
              services:
                postgres: {secret: {preset: servicebinding}}
                rabbitmq: {secret: {preset: servicebinding}}
              """);

      Stack.Secret pg = postgres(stack).secret();
      assertThat(pg.type()).isEqualTo("servicebinding.io/postgresql");
      assertThat(pg.entries())
          .containsEntry("type", "postgresql")
          .containsEntry("provider", "sandbox");
      assertThat(pg.keys()).containsEntry("host", "host").containsEntry("password", "password");
      Stack.Secret mq = rabbitmq(stack).secret();
      assertThat(mq.type()).isEqualTo("servicebinding.io/rabbitmq");
      assertThat(mq.keys()).containsEntry("vhost", "virtual-host");
    }

    @Test
    void a_type_and_fixed_entries_can_be_set_beside_the_generated_keys() {
      Stack.Secret secret =
          postgres(
                  parse(
                      """
                      version: 1
                      services:
                        postgres:
                          secret: {type: example.com/db, entries: {sslmode: disable}}
                      """))
              .secret();

      assertThat(secret.type()).isEqualTo("example.com/db");
      assertThat(secret.entries()).containsExactlyEntriesOf(Map.of("sslmode", "disable"));
      assertThat(postgres(StackLoader.embeddedDefault()).secret().type()).isEqualTo("Opaque");
    }

    @Test
    void an_unknown_preset_or_an_entry_over_a_generated_key_is_named_where_it_is() {
      assertThat(
              failure("version: 1\nservices:\n  postgres:\n    secret: {preset: spring}\n")
                  .getMessage())
          .startsWith(
              "sandbox.yaml:4:22: services.postgres.secret.preset: unknown preset 'spring'.")
          .contains("servicebinding");
      assertThat(
              failure("version: 1\nservices:\n  postgres:\n    secret: {entries: {password: x}}\n")
                  .getMessage())
          .startsWith("sandbox.yaml:4:34: services.postgres.secret.entries.password:")
          .contains("already a generated key");
    }
  }

  @Nested
  @DisplayName("what a changed stack changes")
  class Changes {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
        delimiter = '|',
        value = {
          "k3s: {version: v1.33.1-k3s1}                      | k3s",
          "k3s: {ingress: none}                              | k3s",
          "k3s: {load-balancer-ports: [8081]}                | k3s",
          "services: {postgres: {database: billing}}         | postgres",
          "services: {postgres: {service-name: billing-db}}  | wiring",
          "manifests: {exclude-kinds: [Certificate]}          | manifests",
          "manifests: {stand-ins: manifest}                   | manifests",
          "policies: {guardrails: {probes: Deny}}            | policies",
          "monitoring: {enabled: false}                      | monitoring",
          "readiness: {timeout: 9m}                          | readiness",
          "image-map: {postgres: mirror.example/postgres}    | image-map",
        })
    void each_part_is_named(String line, String part) {
      Stack before = parse("version: 1\n");
      Stack after = parse("version: 1\n" + line + "\n");

      assertThat(after.changedSince(before.fingerprint())).containsExactly(part);
      assertThat(after.needsNewContainers(part))
          .isEqualTo(List.of("k3s", "postgres", "image-map").contains(part));
    }

    @Test
    void an_unchanged_stack_changes_nothing_and_an_unknown_one_changes_everything() {
      Stack stack = parse("version: 1\nname: orders\n");

      assertThat(parse("version: 1\nname: orders\n").changedSince(stack.fingerprint())).isEmpty();
      assertThat(stack.changedSince(Map.of())).hasSize(stack.fingerprint().size());
    }
  }

  private static ServiceSpec postgres(Stack stack) {
    return stack.service("postgres").orElseThrow();
  }

  private static ServiceSpec rabbitmq(Stack stack) {
    return stack.service("rabbitmq").orElseThrow();
  }
}
