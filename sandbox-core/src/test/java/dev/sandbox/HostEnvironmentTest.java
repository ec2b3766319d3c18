package dev.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the host environment, read the same way by the CLI and the JUnit extension")
class HostEnvironmentTest {

  @Test
  void each_common_ci_variable_counts() {
    for (String variable :
        new String[] {
          "CI", "JENKINS_URL", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "TF_BUILD", "CIRCLECI"
        }) {
      assertThat(HostEnvironment.ci(Map.of(variable, "true"))).as(variable).isTrue();
    }
    assertThat(HostEnvironment.ci(Map.of("JENKINS_URL", "https://jenkins.example/"))).isTrue();
    assertThat(HostEnvironment.ci(Map.of("TF_BUILD", "True"))).isTrue();
  }

  @Test
  void a_laptop_without_them_or_with_ci_false_is_not_ci() {
    assertThat(HostEnvironment.ci(Map.of())).isFalse();
    assertThat(HostEnvironment.ci(Map.of("CI", "false"))).isFalse();
    assertThat(HostEnvironment.ci(Map.of("CI", "0"))).isFalse();
    assertThat(HostEnvironment.ci(Map.of("CI", " "))).isFalse();
    assertThat(HostEnvironment.ci(Map.of("HOME", "/home/me"))).isFalse();
  }

  @Test
  void the_state_root_is_sandbox_home_or_dot_sandbox() {
    Path home = Path.of("/home/me");
    assertThat(HostEnvironment.stateRoot(Map.of(), home)).isEqualTo(home.resolve(".sandbox"));
    assertThat(HostEnvironment.stateRoot(Map.of("SANDBOX_HOME", " "), home))
        .isEqualTo(home.resolve(".sandbox"));
    assertThat(HostEnvironment.stateRoot(Map.of("SANDBOX_HOME", "/srv/sandboxes"), home))
        .isEqualTo(Path.of("/srv/sandboxes"));
  }
}
