package dev.sandbox.testservice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.Sandbox;
import dev.sandbox.StackFileException;
import dev.sandbox.stack.ServiceSpec;
import dev.sandbox.stack.Stack;
import dev.sandbox.stack.StackLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A service registered only from the test classpath gets everything the built-in ones get — its
 * stack section with defaults, checks at file/line/key, a fingerprint part that recreates it, its
 * image for doctor and its injectable endpoint — although no main code names it.
 */
@DisplayName("a third backing service, registered from the test classpath")
class GreeterStackTest {

  private static Stack parse(String text) {
    return StackLoader.parse("sandbox.yaml", text, Path.of("."));
  }

  private static ServiceSpec greeter(Stack stack) {
    return stack.service("greeter").orElseThrow();
  }

  @Test
  void its_defaults_apply_although_the_embedded_default_stack_does_not_list_it() {
    Stack stack = StackLoader.embeddedDefault();

    assertThat(stack.services().keySet())
        .containsExactlyInAnyOrder("postgres", "rabbitmq", "greeter");
    assertThat(greeter(stack).enabled()).isFalse();
    assertThat(greeter(stack).setting("greeting")).isEqualTo("hello");
    assertThat(stack.containerImages()).doesNotContain("alpine:3.17");
  }

  @Test
  void a_stack_file_enables_and_configures_it() {
    Stack stack =
        parse("version: 1\nservices:\n  greeter:\n    enabled: true\n    greeting: hola\n");

    assertThat(greeter(stack).setting("greeting")).isEqualTo("hola");
    assertThat(greeter(stack).secret().name()).isEqualTo("greeter-credentials");
    assertThat(stack.containerImages()).contains("alpine:3.17");
  }

  @Test
  void a_change_of_its_own_keys_recreates_its_container() {
    Stack before = parse("version: 1\nservices: {greeter: {enabled: true}}\n");
    Stack after = parse("version: 1\nservices: {greeter: {enabled: true, greeting: hola}}\n");

    assertThat(after.changedSince(before.fingerprint())).containsExactly("greeter");
    assertThat(after.needsNewContainers("greeter")).isTrue();
  }

  @Test
  void its_own_checks_name_the_file_line_and_key() {
    assertThatThrownBy(
            () -> parse("version: 1\nservices:\n  greeter:\n    greeting: Hello World\n"))
        .isInstanceOf(StackFileException.class)
        .hasMessageContaining("sandbox.yaml:4")
        .hasMessageContaining("services.greeter.greeting")
        .hasMessageContaining("not one lower-case word");
    assertThatThrownBy(() -> parse("version: 1\nservices:\n  greeter:\n    greting: hola\n"))
        .isInstanceOf(StackFileException.class)
        .hasMessageContaining("services.greeter.greting")
        .hasMessageContaining("greeting");
  }

  @Test
  void two_services_may_not_share_a_service_name() {
    assertThatThrownBy(
            () ->
                parse(
                    "version: 1\nservices:\n  greeter:\n    enabled: true\n    service-name: postgres\n"))
        .isInstanceOf(StackFileException.class)
        .hasMessageContaining("sandbox.yaml:5")
        .hasMessageContaining("services.greeter.service-name")
        .hasMessageContaining("'postgres' is already the service-name of postgres");
  }

  @Test
  void its_endpoint_type_is_injectable() {
    assertThat(Sandbox.endpointTypes()).contains(GreeterEndpoint.class);
    assertThat(Sandbox.enablingKey(GreeterEndpoint.class)).contains("services.greeter.enabled");
  }
}
