package dev.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the sandbox reads from the machine it runs on, in one place for every front end: whether
 * this is a CI run, and where sandboxes keep their state.
 */
public final class HostEnvironment {

  /**
   * Variables CI servers set: GitHub Actions, GitLab, Jenkins, Buildkite, Azure Pipelines,
   * CircleCI, Travis, TeamCity, Bitbucket, AWS CodeBuild, Drone, AppVeyor, Bamboo, Woodpecker,
   * Tekton-style {@code CI}. Most set {@code CI} as well; Jenkins and Azure Pipelines do not.
   */
  public static final List<String> CI_VARIABLES =
      List.of(
          "CI",
          "CONTINUOUS_INTEGRATION",
          "JENKINS_URL",
          "GITHUB_ACTIONS",
          "GITLAB_CI",
          "BUILDKITE",
          "TF_BUILD",
          "CIRCLECI",
          "TRAVIS",
          "TEAMCITY_VERSION",
          "BITBUCKET_BUILD_NUMBER",
          "CODEBUILD_BUILD_ID",
          "DRONE",
          "APPVEYOR",
          "bamboo_buildKey",
          "CI_PIPELINE_ID");

  /** The variable naming another state root than {@code ~/.sandbox}. */
  public static final String STATE_ROOT_VARIABLE = "SANDBOX_HOME";

  private HostEnvironment() {}

  /**
   * True when one of {@link #CI_VARIABLES} is set (and is not {@code false} or {@code 0}): then
   * nothing is reused, everything is cleaned up, output is plain.
   */
  public static boolean ci(Map<String, String> environment) {
    return CI_VARIABLES.stream()
        .map(environment::get)
        .anyMatch(
            value ->
                value != null
                    && !value.isBlank()
                    && !value.trim().equalsIgnoreCase("false")
                    && !value.trim().equals("0"));
  }

  /** {@code $SANDBOX_HOME} when set, else {@code ~/.sandbox}. */
  public static Path stateRoot(Map<String, String> environment, Path home) {
    String custom = environment.get(STATE_ROOT_VARIABLE);
    return custom != null && !custom.isBlank() ? Path.of(custom) : home.resolve(".sandbox");
  }
}
