package dev.sandbox;

import dev.sandbox.stack.StackLoader;
import java.nio.file.Path;

/**
 * A test run's JVM, for {@link SharedClusterIT}: starts the sandbox of a stack file on its cluster
 * target (its lease held by this process), prints {@code READY <id>} and waits to be killed.
 */
public final class HoldSandbox {

  private HoldSandbox() {}

  public static void main(String[] args) throws Exception {
    SandboxEngine engine =
        new SandboxEngine(
            SandboxConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))),
            Path.of(args[1]));
    Sandbox sandbox =
        engine.up(
            StackLoader.load(Path.of(args[0])),
            UpOptions.defaults().withReuse(false).withPersistent(false),
            ProgressListener.NONE);
    System.out.println("READY " + sandbox.state().services().get(ClusterFlow.STATE_KEY).get("id"));
    System.out.flush();
    Thread.sleep(600_000); // bounded: killed long before
  }
}
