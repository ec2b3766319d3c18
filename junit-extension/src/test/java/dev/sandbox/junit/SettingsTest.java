package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.SandboxException;
import dev.sandbox.SandboxName;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SettingsTest {

  @Nested
  @DisplayName(
      "CI is recognised whatever the CI server (HostEnvironment), and then Docker is required")
  class CiDetection {

    @Test
    void any_ci_variable_requires_docker_and_a_laptop_does_not() {
      for (String variable : new String[] {"CI", "JENKINS_URL", "GITHUB_ACTIONS", "TF_BUILD"}) {
        assertThat(Settings.requireDocker(Map.of(variable, "true"))).as(variable).isTrue();
      }
      assertThat(Settings.requireDocker(Map.of("CI", "false"))).isFalse();
    }
  }

  @Nested
  @DisplayName("throwaway sandboxes get a unique run suffix and stay valid names")
  class ThrowawayNames {

    @Test
    void the_name_is_the_stack_name_plus_a_random_suffix() {
      String name = Settings.throwawayName("orders");
      assertThat(name).matches("orders-[a-z0-9]{6}");
      Set<String> names = new HashSet<>();
      for (int i = 0; i < 200; i++) {
        names.add(Settings.throwawayName("orders"));
      }
      assertThat(names).hasSize(200);
    }

    @Test
    void a_63_character_stack_name_is_shortened_never_the_suffix() {
      String longest = "a".repeat(55) + "-" + "b".repeat(7);
      assertThat(longest).hasSize(63);
      String name = Settings.throwawayName(longest);
      assertThat(name).hasSizeLessThanOrEqualTo(63).matches("a{55}-[a-z0-9]{6}");
      assertThat(SandboxName.isValid(name)).isTrue();
      // a cut that ends on '-' must not leave "--" or a trailing dash before the suffix
      String dashAtCut = "a".repeat(55) + "-----x";
      assertThat(SandboxName.isValid(Settings.throwawayName(dashAtCut))).isTrue();
    }
  }

  @Nested
  @DisplayName("messages from the engine fit a test")
  class Messages {

    @Test
    void the_command_line_advice_is_replaced_by_what_a_test_can_do() {
      SandboxException engine =
          new SandboxException(
              "A sandbox named 'orders' already exists. Run `sandbox down --name orders` first, or"
                  + " choose another name with --name.");
      SandboxException forTests = SharedSandbox.forTests(engine);
      assertThat(forTests.getMessage())
          .doesNotContain("with --name")
          .startsWith("A sandbox named 'orders' already exists. Run `sandbox down --name orders`")
          .contains("@WithCluster(stack = ...)")
          .contains("sandbox exec");
      assertThat(forTests.getCause()).isSameAs(engine);
    }

    @Test
    void other_messages_pass_unchanged() {
      SandboxException engine = new SandboxException("PostgreSQL was not ready within 60 s.");
      assertThat(SharedSandbox.forTests(engine)).isSameAs(engine);
    }
  }

  @WithCluster(stack = "src/test/resources/it-stack.yaml")
  static class Loud {}

  @WithCluster(stack = "src/test/resources/it-stack.yaml", quiet = true)
  static class Quiet {}

  @WithCluster(stack = "src/test/resources/it-stack.yaml", readinessTimeout = "7m")
  static class Patient {}

  @Nested
  @DisplayName("progress is on by default, quiet on request")
  class Quietness {

    @Test
    @org.junit.jupiter.api.parallel.ResourceLock(
        org.junit.jupiter.api.parallel.Resources.SYSTEM_PROPERTIES)
    void the_annotation_or_the_system_property_silences_it() {
      assertThat(Settings.of(Loud.class.getAnnotation(WithCluster.class)).quiet()).isFalse();
      assertThat(Settings.of(Quiet.class.getAnnotation(WithCluster.class)).quiet()).isTrue();
      System.setProperty(Settings.QUIET_PROPERTY, "true");
      try {
        assertThat(Settings.of(Loud.class.getAnnotation(WithCluster.class)).quiet()).isTrue();
      } finally {
        System.clearProperty(Settings.QUIET_PROPERTY);
      }
    }
  }

  @Test
  void classes_that_differ_only_in_readiness_timeout_share_one_key() {
    Settings loud = Settings.of(Loud.class.getAnnotation(WithCluster.class));
    Settings patient = Settings.of(Patient.class.getAnnotation(WithCluster.class));
    assertThat(patient.stack().readiness().timeout()).isEqualTo(java.time.Duration.ofMinutes(7));
    assertThat(patient.key()).isEqualTo(loud.key());
  }
}
