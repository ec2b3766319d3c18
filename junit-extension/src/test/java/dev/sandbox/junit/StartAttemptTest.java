package dev.sandbox.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sandbox.SandboxException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StartAttemptTest {

  @Test
  void a_failed_start_runs_once_the_first_caller_gets_its_exception_every_later_one_names_it() {
    AtomicInteger attempts = new AtomicInteger();
    SandboxException original = new SandboxException("k3s was not ready within 3 min.");
    StartAttempt attempt =
        StartAttempt.run(
            "orders",
            "com.example.FirstIT",
            () -> {
              attempts.incrementAndGet();
              throw original;
            });

    assertThat(catchThrowable(attempt::sandbox)).isSameAs(original);
    for (int i = 0; i < 4; i++) {
      Throwable later = catchThrowable(attempt::sandbox);
      assertThat(later)
          .isInstanceOf(SandboxException.class)
          .hasMessage(
              "The sandbox of stack 'orders' failed to start earlier in this test run (for"
                  + " com.example.FirstIT), so it is not started again: k3s was not ready within 3"
                  + " min.")
          .hasCause(original);
      assertThat(later.getCause()).isSameAs(original);
    }
    assertThat(attempts).hasValue(1);
    assertThat(attempt.started()).isEmpty();
    attempt.close(); // nothing to close, and no exception
  }
}
