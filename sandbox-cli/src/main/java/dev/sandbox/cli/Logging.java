package dev.sandbox.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.Arrays;
import org.slf4j.LoggerFactory;

/** The CLI picks the logging backend: quiet by default, debug with --verbose. */
final class Logging {

  private Logging() {}

  static void configure(String[] args) {
    boolean verbose = Arrays.stream(args).anyMatch(a -> a.equals("-v") || a.equals("--verbose"));
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    // Third-party libraries (docker-java, fabric8, OkHttp) log failures the engine reports itself,
    // with stack traces: the user reads the engine's message, and the traces only with --verbose.
    root.setLevel(verbose ? Level.INFO : Level.OFF);
    ((Logger) LoggerFactory.getLogger("dev.sandbox")).setLevel(verbose ? Level.DEBUG : Level.WARN);
    // Testcontainers reports failures it recovers from at ERROR; the engine's exceptions say what
    // matters.
    ((Logger) LoggerFactory.getLogger("tc")).setLevel(verbose ? Level.INFO : Level.OFF);
    ((Logger) LoggerFactory.getLogger("org.testcontainers"))
        .setLevel(verbose ? Level.INFO : Level.OFF);
  }
}
