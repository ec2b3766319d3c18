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
            + " --keep-data, its data volumes. The node's image store stays for the next up of this"
            + " name (its images are not imported again) unless --purge.",
    footerHeading = "%nExamples:%n",
    footer = {
      "  sandbox down",
      "  sandbox down --keep-data --name orders",
      "  sandbox down --purge"
    })
final class DownCommand extends SandboxSubcommand {

  @Option(
      names = "--keep-data",
      description =
          "Keep the backing services' data volumes (PostgreSQL, RabbitMQ, ...) and their credentials.")
  boolean keepData;

  @Option(
      names = "--purge",
      description =
          "Also remove the node's image store (volume sandbox-<name>-images), which down otherwise"
              + " keeps so that the next up of this name imports no image twice.")
  boolean purge;

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
    List<String> removed = env.engine().down(name, keepData, purge, waiting);
    boolean context = KubeContexts.remove(env.env(), env.home(), name);
    if (!global.quiet()) {
      if (removed.isEmpty()) {
        out.println("Nothing to remove: no sandbox named '" + name + "' was found.");
      } else {
        removed.forEach(item -> out.println("  removed " + item));
        if (context) {
          out.println("  removed kube context sandbox-" + name + " from ~/.kube/config");
        }
        // one volume inspected, not the engine's disk usage of every volume
        boolean storeKept = !purge && env.engine().hasImageStore(name);
        out.println(
            "Sandbox '"
                + name
                + "' is down"
                + (keepData ? " (data volumes kept)" : "")
                + (storeKept
                    ? "; its node's image store is kept for the next up (--purge removes it)."
                    : "."));
      }
    }
    return ExitCode.OK.code();
  }
}
