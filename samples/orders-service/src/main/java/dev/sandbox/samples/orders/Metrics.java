package dev.sandbox.samples.orders;

import java.util.concurrent.atomic.AtomicLong;

/** The service's counters, rendered in the Prometheus text exposition format. */
public final class Metrics {

  private final AtomicLong created = new AtomicLong();
  private final AtomicLong confirmed = new AtomicLong();

  void orderCreated() {
    created.incrementAndGet();
  }

  void orderConfirmed() {
    confirmed.incrementAndGet();
  }

  /** The text format, version 0.0.4. */
  public String render() {
    return counter("orders_created_total", "Orders stored by POST /orders.", created.get())
        + counter(
            "orders_confirmed_total",
            "Orders confirmed after their order.created event came back.",
            confirmed.get());
  }

  private static String counter(String name, String help, long value) {
    return "# HELP "
        + name
        + " "
        + help
        + "\n# TYPE "
        + name
        + " counter\n"
        + name
        + " "
        + value
        + "\n";
  }
}
