package dev.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.ProgressListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ProgressTest {

  @Test
  @DisplayName("a failed step shows only the first line: the error block is printed once, below")
  void a_failure_shows_only_its_first_line() {
    StringWriter out = new StringWriter();
    try (Progress progress = new Progress(new PrintWriter(out), false, false, false)) {
      progress.onEvent(
          ProgressListener.Event.failed(
              "manifests",
              "2 objects failed the pre-check against the cluster:\n  first\n  second\n"
                  + "Nothing was applied.",
              Duration.ofMillis(400)));
    }

    assertThat(out.toString())
        .isEqualTo(
            "  FAILED manifests                    2 objects failed the pre-check against the"
                + " cluster: (see below) (0.4s)"
                + System.lineSeparator())
        .doesNotContain("first", "Nothing was applied");
  }

  @Test
  @DisplayName(
      "policy verdicts, stand-ins and selector findings are printed without --verbose; applied objects only with it")
  void verdicts_and_findings_are_printed() {
    StringWriter out = new StringWriter();
    try (Progress progress = new Progress(new PrintWriter(out), false, false, false)) {
      progress.onEvent(
          ProgressListener.Event.info(
              "policies",
              "warn sandbox-image-tag: deployment/web (k8s/web.yaml): images must carry a tag"
                  + " other than :latest (or a digest): vendor/web"));
      progress.onEvent(
          ProgressListener.Event.info(
              "stand-ins", "the sandbox's orders-db stands in for service/orders-db"));
      progress.onEvent(
          ProgressListener.Event.info(
              "services", "service/default/web selects no pods: selector app=wbe"));
      progress.onEvent(ProgressListener.Event.info("manifests", "applied deployment/web"));
    }

    assertThat(out.toString())
        .contains("policies", "warn sandbox-image-tag: deployment/web", "vendor/web")
        .contains("stand-ins", "the sandbox's orders-db stands in for service/orders-db")
        .contains("services", "service/default/web selects no pods")
        .doesNotContain("applied deployment/web");
  }

  @Test
  void a_one_line_failure_is_shown_whole() {
    assertThat(Progress.firstLine("k3s did not start")).isEqualTo("k3s did not start");
  }
}
