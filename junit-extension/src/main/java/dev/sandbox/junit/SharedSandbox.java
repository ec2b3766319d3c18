package dev.sandbox.junit;

import dev.sandbox.ProgressListener;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxEngine;
import dev.sandbox.Stack;
import dev.sandbox.UpOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one sandbox of a stack in this JVM, kept in the root {@code ExtensionContext.Store}; JUnit
 * closes it when the test plan ends. Persistent sandboxes stay up for the next run.
 */
final class SharedSandbox implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(SharedSandbox.class);

  private final SandboxEngine engine;
  private final Stack stack;
  private final Sandbox sandbox;
  private final boolean persistent;

  private SharedSandbox(SandboxEngine engine, Stack stack, Sandbox sandbox, boolean persistent) {
    this.engine = engine;
    this.stack = stack;
    this.sandbox = sandbox;
    this.persistent = persistent;
  }

  static SharedSandbox start(SandboxEngine engine, Stack stack, boolean persistent) {
    ProgressListener log =
        event ->
            logger.info(
                "sandbox {}: {} {} {}",
                stack.name(),
                event.component(),
                event.phase(),
                event.message());
    Sandbox sandbox =
        engine.up(
            stack, UpOptions.defaults().withReuse(persistent).withPersistent(persistent), log);
    return new SharedSandbox(engine, stack, sandbox, persistent);
  }

  Sandbox sandbox() {
    return sandbox;
  }

  SandboxEngine engine() {
    return engine;
  }

  Stack stack() {
    return stack;
  }

  @Override
  public void close() {
    sandbox.close();
    if (!persistent) {
      engine.down(stack.name(), false, ProgressListener.NONE);
    }
  }
}
