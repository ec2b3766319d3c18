package dev.sandbox.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description =
        "Load images from the local Docker engine into the sandbox's cluster, so pods with"
            + " imagePullPolicy IfNotPresent start them without a registry.",
    footerHeading = "%nExamples:%n",
    footer = {"  docker build -t orders-service:dev . && sandbox load orders-service:dev"})
final class LoadCommand extends SandboxSubcommand {

  @Parameters(
      arity = "1..*",
      paramLabel = "IMAGE",
      description =
          "Images in the local Docker engine; an official name the image map (user config) maps"
              + " loads its local stand-in.")
  List<String> images;

  @Override
  public Integer call() {
    Environment env = environment();
    PrintWriter out = out();
    var engine = env.engine();
    var mapped = images.stream().map(engine.config().imageMap()::apply).toList();
    // one line per image, as the engine tells it: "loaded <image>" or "<image> already loaded"
    engine.load(
        env.name(global),
        mapped,
        event -> {
          if (event.phase() == dev.sandbox.ProgressListener.Phase.INFO) {
            // a warning with its fix (an image Kubernetes would pull again: tagged :latest)
            spec.commandLine().getErr().println("warning: " + event.message());
          } else if (!global.quiet() && event.phase() == dev.sandbox.ProgressListener.Phase.DONE) {
            out.printf("%s in %.1fs%n", event.message(), event.elapsed().toMillis() / 1000.0);
          }
        });
    return ExitCode.OK.code();
  }
}
