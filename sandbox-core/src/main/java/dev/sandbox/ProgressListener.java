package dev.sandbox;

import java.time.Duration;

/**
 * Receives progress of long operations ({@code up}, {@code apply}, {@code down}), one component at
 * a time. The engine never prints; front ends render these events (spinners on a terminal, plain
 * lines in CI, nothing in tests).
 */
@FunctionalInterface
public interface ProgressListener {

  /** Ignores everything. */
  ProgressListener NONE = event -> {};

  void onEvent(Event event);

  /** What happened to a component. */
  enum Phase {
    STARTED,
    DONE,
    FAILED,
    INFO
  }

  /**
   * One step of progress.
   *
   * @param component what the event is about: {@code k3s}, {@code postgres}, {@code rabbitmq},
   *     {@code wiring}, {@code images}, {@code policies}, {@code manifests}, {@code monitoring}, or
   *     a workload such as {@code deployment/orders/orders-service}
   * @param phase started, done, failed, or an informational note
   * @param message a short human-readable note
   * @param elapsed time since the component started, zero for {@code STARTED}
   */
  record Event(String component, Phase phase, String message, Duration elapsed) {

    public static Event started(String component, String message) {
      return new Event(component, Phase.STARTED, message, Duration.ZERO);
    }

    public static Event done(String component, String message, Duration elapsed) {
      return new Event(component, Phase.DONE, message, elapsed);
    }

    public static Event failed(String component, String message, Duration elapsed) {
      return new Event(component, Phase.FAILED, message, elapsed);
    }

    public static Event info(String component, String message) {
      return new Event(component, Phase.INFO, message, Duration.ZERO);
    }
  }
}
