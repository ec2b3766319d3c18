package dev.sandbox.engine;

import dev.sandbox.ProgressListener;
import dev.sandbox.SandboxException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.testcontainers.containers.GenericContainer;

/**
 * Starts containers concurrently, one progress line each; every failure is kept (the first thrown,
 * the others suppressed) with the container's last log lines. Internal.
 */
final class ContainerStarts {

  private ContainerStarts() {}

  static ExecutorService pool() {
    return Executors.newCachedThreadPool(
        r -> {
          Thread thread = new Thread(r, "sandbox-start");
          thread.setDaemon(true);
          return thread;
        });
  }

  static void all(
      List<GenericContainer<?>> containers, ProgressListener listener, ExecutorService pool) {
    try {
      List<CompletableFuture<Void>> starts = new ArrayList<>();
      for (GenericContainer<?> container : containers) {
        starts.add(CompletableFuture.runAsync(() -> start(container, listener), pool));
      }
      List<SandboxException> failures = new ArrayList<>();
      for (CompletableFuture<Void> start : starts) {
        try {
          start.join();
        } catch (CompletionException e) {
          failures.add(
              e.getCause() instanceof SandboxException s
                  ? s
                  : new SandboxException(SandboxException.describe(e), e.getCause()));
        }
      }
      if (!failures.isEmpty()) {
        SandboxException first = failures.get(0);
        failures.stream().skip(1).forEach(first::addSuppressed);
        throw first;
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void start(GenericContainer<?> container, ProgressListener listener) {
    String component =
        container.getNetworkAliases().stream()
            .filter(a -> !a.startsWith("tc-"))
            .findFirst()
            .orElse("container");
    Instant begin = Instant.now();
    listener.onEvent(
        ProgressListener.Event.started(component, "starting " + container.getDockerImageName()));
    try {
      container.start();
    } catch (RuntimeException e) {
      listener.onEvent(
          ProgressListener.Event.failed(
              component, SandboxException.describe(e), Duration.between(begin, Instant.now())));
      throw new SandboxException.ServiceStartup(
          component
              + " ("
              + container.getDockerImageName()
              + ") did not start: "
              + SandboxException.describe(e)
              + lastLogs(container)
              + "\nRun `sandbox doctor`, or raise readiness.timeout if the machine is slow.",
          e);
    }
    listener.onEvent(
        ProgressListener.Event.done(component, "started", Duration.between(begin, Instant.now())));
  }

  private static String lastLogs(GenericContainer<?> container) {
    try {
      String logs = container.getLogs();
      if (logs == null || logs.isBlank()) {
        return "";
      }
      List<String> lines = logs.lines().toList();
      return "\nLast log lines:\n  "
          + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (RuntimeException e) {
      return "";
    }
  }
}
