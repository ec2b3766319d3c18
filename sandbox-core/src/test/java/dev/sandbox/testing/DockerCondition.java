package dev.sandbox.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/** See {@link RequiresDocker}. */
public final class DockerCondition implements ExecutionCondition {

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    boolean available;
    try {
      available = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      available = false;
    }
    if (available) {
      return ConditionEvaluationResult.enabled("a Docker engine answers");
    }
    String ci = System.getenv("CI");
    if (Boolean.getBoolean("sandbox.requireDocker")
        || (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false"))) {
      throw new IllegalStateException(
          "No Docker engine answered, and CI (the CI variable or -Dsandbox.requireDocker=true) forbids skipping."
              + " Start dockerd (bash .ci/run does) or set DOCKER_HOST.");
    }
    return ConditionEvaluationResult.disabled(
        "No Docker engine answered: skipping tests that need real containers."
            + " Start Docker to run them.");
  }
}
