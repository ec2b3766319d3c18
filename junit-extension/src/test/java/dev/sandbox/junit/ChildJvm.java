package dev.sandbox.junit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A second JVM on this test class path, as another build (or a killed one) would run. */
final class ChildJvm {

  private ChildJvm() {}

  /** A process running {@code main}'s main method with {@code args}, stderr merged into stdout. */
  static ProcessBuilder of(Class<?> main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true);
  }

  /** How a child ended: its exit code (-1 when it was killed for running too long) and output. */
  record Result(int exitCode, boolean timedOut, String output) {}

  /** A started child whose output is drained on a thread of its own while it runs. */
  static final class Running {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    private Running(Process process) {
      this.process = process;
      this.reader =
          new Thread(
              () -> {
                try (InputStream in = process.getInputStream()) {
                  byte[] buffer = new byte[8192];
                  int read;
                  while ((read = in.read(buffer)) != -1) {
                    output.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
                  }
                } catch (IOException e) {
                  // the child died: its stream closed
                }
              },
              "child-jvm-output");
      reader.setDaemon(true);
      reader.start();
    }

    /**
     * Waits at most {@code timeout} for the child to end; past it the child is killed and the
     * result says so. The timeout is real: output is read on another thread, so a child that never
     * closes its stream cannot hold the test.
     */
    Result await(Duration timeout) throws InterruptedException {
      boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!ended) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      reader.join(5_000);
      return new Result(ended ? process.exitValue() : -1, !ended, output.toString());
    }

    Process process() {
      return process;
    }
  }

  /** Starts {@code builder}'s process, its output drained while it runs. */
  static Running start(ProcessBuilder builder) {
    try {
      return new Running(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code builder}'s process to its end, killing it after {@code timeout}. */
  static Result run(ProcessBuilder builder, Duration timeout) throws InterruptedException {
    return start(builder).await(timeout);
  }
}
