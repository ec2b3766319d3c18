package dev.sandbox.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "down",
    mixinStandardHelpOptions = true,
    description =
        "Remove the sandbox: its containers, network, state folder, merged kube context and, unless"
            + " --keep-data, its data volumes.",
    footerHeading = "%nExamples:%n",
    footer = {"  sandbox down", "  sandbox down --keep-data --name orders"})
final class DownCommand extends SandboxSubcommand {

  @Option(
      names = "--keep-data",
      description =
          "Keep the backing services' data volumes (PostgreSQL, RabbitMQ, ...) and their credentials.")
  boolean keepData;

  @Override
  public Integer call() {
    Environment env = environment();
    String name = env.name(global);
    PrintWriter out = out();
    // tell the user when down waits for an up of the same name in flight
    dev.sandbox.ProgressListener waiting =
        event -> {
          if (!global.quiet() && event.phase() == dev.sandbox.ProgressListener.Phase.INFO) {
            spec.commandLine().getErr().println(event.message());
          }
        };
    List<String> removed = env.engine().down(name, keepData, waiting);
    boolean context = KubeContexts.remove(env.env(), env.home(), name);
    if (!global.quiet()) {
      if (removed.isEmpty()) {
        out.println("Nothing to remove: no sandbox named '" + name + "' was found.");
      } else {
        removed.forEach(item -> out.println("  removed " + item));
        if (context) {
          out.println("  removed kube context sandbox-" + name + " from ~/.kube/config");
        }
        out.println("Sandbox '" + name + "' is down" + (keepData ? " (data volumes kept)." : "."));
      }
    }
    return ExitCode.OK.code();
  }
}
