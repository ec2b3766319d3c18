package dev.sandbox.junit;

import dev.sandbox.SandboxException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one attempt to start (or attach to) the sandbox of a stack in this JVM, kept in the root
 * store: its sandbox, or the failure. {@code Store.computeIfAbsent} does not keep a thrown
 * exception, so without this a stack that cannot come up would be started again by every class — N
 * classes times the readiness timeout. The first class gets the original exception unchanged; every
 * later class fails at once with a message naming it.
 *
 * <p>Implements both {@link AutoCloseable} (closed by Jupiter 5.13 and later, and 6) and the
 * deprecated {@link ExtensionContext.Store.CloseableResource} (the only kind Jupiter 5.10 to 5.12
 * close); Jupiter closes a value once, and {@link #close()} is idempotent anyway.
 */
@SuppressWarnings("deprecation") // CloseableResource: the only way JUnit 5.10-5.12 close a value
final class StartAttempt implements AutoCloseable, ExtensionContext.Store.CloseableResource {

  private final String stackName;
  private final String firstClass;
  private final SharedSandbox sandbox;
  private final RuntimeException failure;
  private final AtomicBoolean failureReported = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private StartAttempt(
      String stackName, String firstClass, SharedSandbox sandbox, RuntimeException failure) {
    this.stackName = stackName;
    this.firstClass = firstClass;
    this.sandbox = sandbox;
    this.failure = failure;
  }

  /** Runs {@code start} once and remembers what came of it, sandbox or exception. */
  static StartAttempt run(String stackName, String firstClass, Supplier<SharedSandbox> start) {
    try {
      return new StartAttempt(stackName, firstClass, start.get(), null);
    } catch (RuntimeException e) {
      return new StartAttempt(stackName, firstClass, null, e);
    }
  }

  /**
   * The sandbox; or the start's own exception for the first class that asks, and for every later
   * class a {@link SandboxException} naming it (as the cause) without a second attempt.
   */
  SharedSandbox sandbox() {
    if (failure == null) {
      return sandbox;
    }
    if (failureReported.compareAndSet(false, true)) {
      throw failure;
    }
    throw new SandboxException(
        "The sandbox of stack '"
            + stackName
            + "' failed to start earlier in this test run (for "
            + firstClass
            + "), so it is not started again: "
            + failure.getMessage(),
        failure);
  }

  /** The sandbox when it started, for callers that must not fail (diagnostics of a failed test). */
  java.util.Optional<SharedSandbox> started() {
    return java.util.Optional.ofNullable(sandbox);
  }

  @Override
  public void close() {
    if (sandbox != null && closed.compareAndSet(false, true)) {
      sandbox.close();
    }
  }
}
