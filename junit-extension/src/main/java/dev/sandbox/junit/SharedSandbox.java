package dev.sandbox.junit;

import dev.sandbox.ProgressListener;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxEngine;
import dev.sandbox.SandboxState;
import dev.sandbox.Stack;
import dev.sandbox.UpOptions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one sandbox of a stack in this JVM, kept in the root {@code ExtensionContext.Store}; JUnit
 * closes it when the test plan ends. Persistent sandboxes stay up for the next run, and a sandbox
 * this JVM attached to (one {@code sandbox exec} started for it) is left to its owner.
 */
final class SharedSandbox implements AutoCloseable {

  private static final Logger logger = LoggerFactory.getLogger(SharedSandbox.class);

  private final SandboxEngine engine;
  private final Stack stack;
  private final Sandbox sandbox;
  private final boolean removeOnClose;

  private SharedSandbox(SandboxEngine engine, Stack stack, Sandbox sandbox, boolean removeOnClose) {
    this.engine = engine;
    this.stack = stack;
    this.sandbox = sandbox;
    this.removeOnClose = removeOnClose;
  }

  /**
   * Attaches to the sandbox named {@code outerName} — set as {@code SANDBOX_NAME} by {@code sandbox
   * exec} for the command it runs — when it runs this very stack, so that {@code sandbox exec --
   * ./mvnw verify} starts the slice once, not twice.
   */
  static Optional<SharedSandbox> attach(SandboxEngine engine, Stack stack, String outerName) {
    Optional<SandboxState> state = engine.state(outerName);
    if (state.isEmpty()
        || !state.get().stackHash().equals(stack.hash())
        || engine.containers(outerName).isEmpty()) {
      return Optional.empty();
    }
    logger.info(
        "sandbox {}: attaching to the running sandbox '{}' (same stack, started by sandbox exec)",
        stack.name(),
        outerName);
    return Optional.of(
        new SharedSandbox(engine, stack.withName(outerName), engine.attach(outerName), false));
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
    return new SharedSandbox(engine, stack, sandbox, !persistent);
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
    if (removeOnClose) {
      engine.down(stack.name(), false, ProgressListener.NONE);
    }
  }
}
