package dev.sandbox.cli;

import dev.sandbox.Sandbox;
import dev.sandbox.UpOptions;
import dev.sandbox.stack.Stack;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Start the sandbox, or reuse it when it already runs from the same stack file.",
      "When the stack file changed, say what changed and apply it to the running sandbox (manifests,",
      "images, wiring, policies, monitoring) or recreate it keeping the data volumes (k3s, postgres,",
      "rabbitmq, image-map).",
      "Starts k3s, PostgreSQL and RabbitMQ concurrently, wires them into the cluster, loads local images,",
      "applies the manifests and waits until every workload is ready.",
      "Run from a clone (./sandbox) on a machine where the stack's images are neither present nor",
      "pullable, it first builds local stand-ins from ci/images (about 18 to 20 minutes the first time) and",
      "maps the official images to them (~/.sandbox/local-images.yaml)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox up",
      "  sandbox up -f samples/orders-service/sandbox.yaml --name orders",
      "  CI=true sandbox up   # never reuse; plain output",
      "  sandbox up --no-build   # fail at once instead of building missing images"
    })
final class UpCommand extends SandboxSubcommand {

  @Option(
      names = "--no-reuse",
      description = "Fail instead of reusing, changing or recreating a sandbox of the same name.")
  boolean noReuse;

  @Option(
      names = "--force-conflicts",
      description = "Take over fields other field managers own during server-side apply.")
  boolean forceConflicts;

  @Option(
      names = "--keep-on-failure",
      description = "Leave the containers running when up fails, to debug them.")
  boolean keepOnFailure;

  @Option(
      names = "--no-build",
      description =
          "Fail (exit 3) instead of building images that are neither present nor pullable from"
              + " the clone's recipes (ci/images).")
  boolean noBuild;

  @Override
  public Integer call() {
    Environment env = environment();
    PrintWriter out = out();
    Stack stack = env.stack(global);
    UpOptions options =
        UpOptions.defaults()
            .withReuse(!noReuse && !env.ci())
            .withForceConflicts(forceConflicts)
            .withKeepOnFailure(keepOnFailure)
            .withPersistent(true);
    if (!global.quiet()) {
      out.println(
          "Starting sandbox '"
              + stack.name()
              + "' from "
              + stack.source().map(Object::toString).orElse("the embedded default stack"));
    }
    Sandbox sandbox;
    try (Progress progress = new Progress(out, env.terminal(), global.quiet(), global.verbose())) {
      LocalImages.prepare(env, stack, noBuild, progress);
      // a new engine: the config now includes the image map of images built just now
      sandbox = env.engine().up(stack, options, progress);
    }
    try (sandbox) {
      Summary.print(out, sandbox, global.quiet());
    }
    return ExitCode.OK.code();
  }
}
