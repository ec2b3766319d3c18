package dev.sandbox.k3s;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LogCauseTest {

  @Test
  @DisplayName("a JVM's stack trace is reduced to its exception and the Caused by: lines")
  void exception_and_causes() {
    String log =
        """
        12:00:01 INFO Starting Orders
        12:00:02 ERROR Application run failed
        org.springframework.beans.factory.BeanCreationException: Error creating bean 'dataSource'
        \tat org.springframework.Some.frame(Some.java:1)
        \tat org.springframework.Other.frame(Other.java:2)
        Caused by: java.lang.IllegalStateException: Failed to connect
        \tat com.zaxxer.hikari.Pool.init(Pool.java:3)
        \t... 12 more
        Caused by: java.net.ConnectException: Connection refused: orders-db:5432
        \tat java.base/sun.nio.ch.Net.connect(Net.java:4)
        \t... 20 more
        """;
    assertThat(LogCause.exception(log))
        .containsExactly(
            "org.springframework.beans.factory.BeanCreationException: Error creating bean"
                + " 'dataSource'",
            "Caused by: java.lang.IllegalStateException: Failed to connect",
            "Caused by: java.net.ConnectException: Connection refused: orders-db:5432");
  }

  @Test
  @DisplayName("a log without a stack trace has no exception")
  void no_stack_trace() {
    assertThat(LogCause.exception("starting\nfailed: no config\n")).isEmpty();
  }
}
