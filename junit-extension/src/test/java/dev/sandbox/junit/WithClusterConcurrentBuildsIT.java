package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * Two builds on one Docker engine at once — two CI jobs, or two Maven modules run in parallel — run
 * the same {@code @WithCluster} suite: each gets its own throwaway sandbox (the stack name plus a
 * run suffix), both pass, and neither leaves a container, network or volume behind.
 */
class WithClusterConcurrentBuildsIT {

  @Test
  void two_jvms_running_the_same_suite_at_once_both_pass_and_leave_nothing() throws Exception {
    assertThat(DockerClientFactory.instance().isDockerAvailable())
        .as("WithClusterConcurrentBuildsIT needs a Docker engine")
        .isTrue();
    ChildJvm.Running one = ChildJvm.start(build());
    ChildJvm.Running two = ChildJvm.start(build());
    ChildJvm.Result first = one.await(Duration.ofMinutes(6));
    ChildJvm.Result second = two.await(Duration.ofMinutes(2));

    for (ChildJvm.Result build : List.of(first, second)) {
      assertThat(build.timedOut())
          .as("the build ends in time; its output:%n%s", build.output())
          .isFalse();
      assertThat(build.exitCode()).as("the build passes; its output:%n%s", build.output()).isZero();
    }
    String firstName = name(first);
    String secondName = name(second);
    assertThat(firstName).matches("it-junit-[a-z0-9]{6}");
    assertThat(secondName).matches("it-junit-[a-z0-9]{6}").isNotEqualTo(firstName);
    assertThat(Leftovers.of(n -> firstName.equals(n) || secondName.equals(n)))
        .as("labelled containers, networks and volumes of either build")
        .isEmpty();
  }

  private static ProcessBuilder build() {
    ProcessBuilder builder = ChildJvm.of(AttachesToOuterSandbox.class);
    builder.environment().remove("SANDBOX_NAME");
    return builder;
  }

  private static String name(ChildJvm.Result build) {
    Matcher name =
        Pattern.compile(Pattern.quote(AttachesToOuterSandbox.NAME) + "([a-z0-9-]+)")
            .matcher(build.output());
    assertThat(name.find()).as(build.output()).isTrue();
    return name.group(1);
  }
}
