package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandbox.ProgressListener.Event;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {

  @Test
  void one_line_per_component_outcome_prefixed_with_the_sandbox_name() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConsoleProgress progress =
        new ConsoleProgress("orders-k3x9q2", new PrintStream(bytes, true, StandardCharsets.UTF_8));

    progress.starting("orders");
    progress.onEvent(Event.started("k3s", "starting"));
    progress.onEvent(Event.done("k3s", "started", Duration.ofMillis(18_200)));
    progress.onEvent(Event.failed("postgres", "not ready", Duration.ofSeconds(60)));
    progress.onEvent(Event.info("orders-k3x9q2", "waiting for the lock"));

    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(
            "[sandbox orders-k3x9q2] starting (stack orders, one line per component); quiet with"
                + " @WithCluster(quiet = true) or -Dsandbox.quiet=true",
            "[sandbox orders-k3x9q2] ok   k3s                      started (18.2s)",
            "[sandbox orders-k3x9q2] FAIL postgres                 not ready (60.0s)",
            "[sandbox orders-k3x9q2] --   orders-k3x9q2            waiting for the lock");
  }
}
