package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.ProgressListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SharedSandboxNotesTest {

  @Test
  @DisplayName(
      "a failure report repeats policy verdicts, stand-ins, selector findings and image warnings, nothing else")
  void notes_keep_what_a_failure_report_repeats() {
    List<String> notes = new ArrayList<>();
    ProgressListener noting = SharedSandbox.noting(notes);
    noting.onEvent(
        ProgressListener.Event.info(
            "policies", "warn sandbox-probes: deployment/web (k8s/web.yaml): needs probes"));
    noting.onEvent(
        ProgressListener.Event.info(
            "stand-ins", "the sandbox's orders-db stands in for service/orders-db"));
    noting.onEvent(ProgressListener.Event.info("services", "service/default/web selects no pods"));
    noting.onEvent(ProgressListener.Event.info("manifests", "applied deployment/web"));
    noting.onEvent(ProgressListener.Event.done("policies", "3 policy object(s)", Duration.ZERO));

    assertThat(notes)
        .containsExactly(
            "policies: warn sandbox-probes: deployment/web (k8s/web.yaml): needs probes",
            "stand-ins: the sandbox's orders-db stands in for service/orders-db",
            "services: service/default/web selects no pods");
  }
}
