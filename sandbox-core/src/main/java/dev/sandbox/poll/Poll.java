package dev.sandbox.poll;

import dev.sandbox.SandboxException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;

/**
 * The one way the engine waits for something to become true: a deadline, an interval, interrupts
 * that stop the wait (and keep the thread's interrupt flag), and the last thing seen in the timeout
 * message. Internal.
 *
 * <pre>{@code
 * String id = Poll.until("the k3s container", timeout, Duration.ofMillis(200),
 *     seen -> containerId.get(),
 *     last -> new SandboxException.ServiceStartup("... (" + last + ")", null));
 * }</pre>
 */
public final class Poll {

  private Poll() {}

  /** One look at what is awaited. */
  @FunctionalInterface
  public interface Probe<T> {
    /**
     * @param seen where to say what this look saw, for the timeout message
     * @return the value when it is there, {@code null} to look again after the interval
     */
    T look(Seen seen);
  }

  /** What the latest look saw. */
  public static final class Seen {
    private String last;

    private Seen(String initial) {
      this.last = initial;
    }

    public void is(String what) {
      this.last = Objects.requireNonNull(what, "what");
    }

    public String last() {
      return last;
    }
  }

  /**
   * Looks until {@code probe} returns a value, at least once and then every {@code interval} until
   * {@code timeout} has passed.
   *
   * @param what what is awaited, for the interrupt message
   * @param onTimeout the exception to throw, given what the last look saw
   * @throws SandboxException.Interrupted when the thread is interrupted (its flag stays set)
   */
  public static <T> T until(
      String what,
      Duration timeout,
      Duration interval,
      Probe<T> probe,
      Function<String, ? extends RuntimeException> onTimeout) {
    Instant deadline = Instant.now().plus(timeout);
    Seen seen = new Seen("nothing yet");
    while (true) {
      T value = probe.look(seen);
      if (value != null) {
        return value;
      }
      Duration left = Duration.between(Instant.now(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw onTimeout.apply(seen.last());
      }
      try {
        Thread.sleep(Math.min(interval.toMillis(), Math.max(1, left.toMillis())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SandboxException.Interrupted("Interrupted while waiting for " + what + ".", e);
      }
    }
  }
}
