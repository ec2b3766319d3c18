package dev.sandbox.junit;

import dev.sandbox.ProgressListener;
import dev.sandbox.Sandbox;
import dev.sandbox.SandboxEngine;
import dev.sandbox.SandboxException;
import dev.sandbox.SandboxState;
import dev.sandbox.UpOptions;
import dev.sandbox.stack.Stack;
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

  /**
   * What the deployments into this sandbox reported that a failing test's report should repeat:
   * policy verdicts (Warn, Audit), the manifest objects the sandbox's services stand in for,
   * Services selecting no pods, images Kubernetes will pull although loaded.
   */
  private final java.util.List<String> notes = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The components whose informational events are {@link #notes}. */
  private static final java.util.Set<String> NOTED =
      java.util.Set.of("policies", "stand-ins", "services", "images");

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

  /**
   * Starts the sandbox of {@code stack}: a throwaway one under a unique name ({@link
   * Settings#throwawayName}), or, when {@code persistent}, the one named after the stack, which the
   * engine starts or reuses under its cross-process lock.
   */
  static SharedSandbox start(SandboxEngine engine, Stack stack, boolean persistent, boolean quiet) {
    Stack named = persistent ? stack : stack.withName(Settings.throwawayName(stack.name()));
    ProgressListener log =
        event ->
            logger.info(
                "sandbox {}: {} {} {}",
                named.name(),
                event.component(),
                event.phase(),
                event.message());
    java.util.List<String> notes = new java.util.ArrayList<>();
    ProgressListener progress =
        event -> {
          log.onEvent(event);
          noting(notes).onEvent(event);
        };
    if (!quiet) {
      ConsoleProgress console = new ConsoleProgress(named.name(), System.out);
      console.starting(stack.name());
      ProgressListener logAndNote = progress;
      progress =
          event -> {
            logAndNote.onEvent(event);
            console.onEvent(event);
          };
    }
    Sandbox sandbox;
    try {
      sandbox =
          engine.up(
              named,
              UpOptions.defaults().withReuse(persistent).withPersistent(persistent),
              progress);
    } catch (SandboxException e) {
      throw forTests(e);
    }
    SharedSandbox shared = new SharedSandbox(engine, named, sandbox, !persistent);
    shared.notes.addAll(notes);
    return shared;
  }

  /** Keeps the informational events a failure report repeats, as {@code component: message}. */
  static ProgressListener noting(java.util.List<String> into) {
    return event -> {
      if (event.phase() == ProgressListener.Phase.INFO && NOTED.contains(event.component())) {
        into.add(event.component() + ": " + event.message());
      }
    };
  }

  /** The notes of the deployments so far (see {@link #notes}); more arrive as classes deploy. */
  java.util.List<String> notes() {
    return notes;
  }

  /**
   * The engine's advice speaks to the command line ({@code --name}); a test cannot pass flags, so
   * say what a test can do instead, keeping the engine's exception as the cause.
   */
  static SandboxException forTests(SandboxException e) {
    String message = e.getMessage();
    if (message == null || !message.contains("--name.")) {
      return e;
    }
    String advice =
        " From a test: remove it with `sandbox down --name <name>` (with the same SANDBOX_HOME),"
            + " give the stack file another `name`, point @WithCluster(stack = ...) at another"
            + " stack file, or run the build under `sandbox exec` to attach to a running sandbox.";
    String rewritten =
        message
            .replace(" first, or choose another name with --name.", " first.")
            .replace(", or choose another name with --name.", ".");
    return new SandboxException(rewritten + advice, e);
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
    try {
      sandbox.close();
    } finally {
      if (removeOnClose) {
        engine.down(stack.name(), false, ProgressListener.NONE);
      }
    }
  }
}
