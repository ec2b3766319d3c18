package dev.sandbox.junit;

import dev.sandbox.ProgressListener;
import java.io.PrintStream;

/**
 * Start-up progress as plain lines, one per finished component, the way the CLI prints when piped:
 * a test run that waits minutes for a cluster says so even without an SLF4J provider.
 */
final class ConsoleProgress implements ProgressListener {

  private final String sandbox;
  private final PrintStream out;

  ConsoleProgress(String sandbox, PrintStream out) {
    this.sandbox = sandbox;
    this.out = out;
  }

  void starting(String stackName) {
    print(
        "starting (stack "
            + stackName
            + ", one line per component); quiet with @WithCluster(quiet = true) or -D"
            + Settings.QUIET_PROPERTY
            + "=true");
  }

  @Override
  public void onEvent(Event event) {
    String mark =
        switch (event.phase()) {
          case STARTED -> null; // one line per component: its outcome
          case DONE -> "ok  ";
          case FAILED -> "FAIL";
          case INFO -> "--  ";
        };
    if (mark == null) {
      return;
    }
    String elapsed =
        event.phase() == Phase.INFO
            ? ""
            : String.format(" (%.1fs)", event.elapsed().toMillis() / 1000.0);
    print(String.format("%s %-24s %s%s", mark, event.component(), event.message(), elapsed));
  }

  private void print(String line) {
    synchronized (out) {
      out.println("[sandbox " + sandbox + "] " + line);
      out.flush();
    }
  }
}
