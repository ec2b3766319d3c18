package dev.sandbox.cli;

import dev.sandbox.ProgressListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * Renders engine progress: on a terminal, one live line per component with a spinner and elapsed
 * time, finished with a check or a cross; elsewhere (pipes, {@code CI}) plain lines without colour
 * or cursor movement.
 */
final class Progress implements ProgressListener, AutoCloseable {

  private static final String[] SPINNER = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

  private final PrintWriter out;
  private final boolean live;
  private final boolean quiet;
  private final boolean verbose;
  private final Map<String, Long> running = new LinkedHashMap<>();
  private final ScheduledExecutorService ticker;
  private int frame;
  private int drawn;

  Progress(PrintWriter out, boolean terminal, boolean quiet, boolean verbose) {
    this.out = out;
    this.live = terminal && !quiet;
    this.quiet = quiet;
    this.verbose = verbose;
    if (live) {
      ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread thread = new Thread(r, "sandbox-progress");
                thread.setDaemon(true);
                return thread;
              });
      ticker.scheduleAtFixedRate(this::redraw, 100, 100, TimeUnit.MILLISECONDS);
    } else {
      ticker = null;
    }
  }

  @Override
  public synchronized void onEvent(Event event) {
    if (quiet && event.phase() != Phase.FAILED) {
      return;
    }
    switch (event.phase()) {
      case STARTED -> {
        running.put(event.component(), System.nanoTime());
        if (!live) {
          line("  ..", event.component(), event.message(), null);
        }
      }
      case DONE -> {
        running.remove(event.component());
        finished(live ? CommandLine.Help.Ansi.ON.string("@|green ✔|@") : "  ok", event);
      }
      case FAILED -> {
        running.remove(event.component());
        // the error itself is printed once, by ErrorHandler: here only its first line
        clearLive();
        line(
            live ? CommandLine.Help.Ansi.ON.string("@|red ✘|@") : "  FAILED",
            event.component(),
            firstLine(event.message()),
            event.elapsed());
        redrawLocked();
      }
      case INFO -> {
        if (verbose || !event.component().equals("manifests")) {
          clearLive();
          line("   ", event.component(), event.message(), null);
          redrawLocked();
        }
      }
    }
  }

  static String firstLine(String message) {
    if (message == null) {
      return "failed";
    }
    String stripped = message.strip();
    int newline = stripped.indexOf('\n');
    return newline < 0 ? stripped : stripped.substring(0, newline).strip() + " (see below)";
  }

  private void finished(String mark, Event event) {
    clearLive();
    line(mark, event.component(), event.message(), event.elapsed());
    redrawLocked();
  }

  private void line(String mark, String component, String message, Duration elapsed) {
    out.printf(
        "%s %-28s %s%s%n",
        mark,
        component,
        message,
        elapsed == null ? "" : String.format(" (%.1fs)", elapsed.toMillis() / 1000.0));
    out.flush();
  }

  private synchronized void redraw() {
    frame++;
    clearLive();
    redrawLocked();
  }

  private void redrawLocked() {
    if (!live) {
      return;
    }
    long now = System.nanoTime();
    running.forEach(
        (component, start) ->
            out.printf(
                "%s %-28s %.0fs%n",
                SPINNER[frame % SPINNER.length], component, (now - start) / 1e9));
    drawn = running.size();
    out.flush();
  }

  private void clearLive() {
    if (live && drawn > 0) {
      // cursor movement is not styling, which is all picocli's Ansi offers: move up over the live
      // lines (CSI n F) and clear to the end of the screen (CSI J)
      out.print("\u001b[" + drawn + "F\u001b[J");
      drawn = 0;
    }
  }

  @Override
  public synchronized void close() {
    if (ticker != null) {
      ticker.shutdownNow();
      clearLive();
      out.flush();
    }
  }
}
