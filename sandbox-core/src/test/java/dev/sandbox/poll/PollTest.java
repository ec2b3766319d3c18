package dev.sandbox.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sandbox.SandboxException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PollTest {

  @Test
  void returns_the_value_of_the_first_look_that_has_one() {
    AtomicInteger looks = new AtomicInteger();
    String value =
        Poll.until(
            "a value",
            Duration.ofSeconds(5),
            Duration.ofMillis(1),
            seen -> looks.incrementAndGet() < 3 ? null : "there",
            last -> new IllegalStateException(last));

    assertThat(value).isEqualTo("there");
    assertThat(looks).hasValue(3);
  }

  @Test
  void a_timeout_names_what_the_last_look_saw() {
    AtomicInteger looks = new AtomicInteger();
    assertThatThrownBy(
            () ->
                Poll.until(
                    "a value",
                    Duration.ofMillis(50),
                    Duration.ofMillis(5),
                    seen -> {
                      seen.is("look " + looks.incrementAndGet());
                      return null;
                    },
                    last -> new IllegalStateException("gave up after " + last)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("gave up after look " + looks.get());
    assertThat(looks.get()).isGreaterThan(1);
  }

  @Test
  void a_zero_timeout_still_looks_once() {
    String value =
        Poll.until(
            "a value",
            Duration.ZERO,
            Duration.ofSeconds(1),
            seen -> "at once",
            last -> new IllegalStateException());

    assertThat(value).isEqualTo("at once");
  }

  @Test
  void an_interrupt_ends_the_wait_and_keeps_the_flag() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(
              () ->
                  Poll.until(
                      "the moon",
                      Duration.ofMinutes(1),
                      Duration.ofSeconds(1),
                      seen -> null,
                      last -> new IllegalStateException()))
          .isInstanceOf(SandboxException.Interrupted.class)
          .hasMessage("Interrupted while waiting for the moon.");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}
